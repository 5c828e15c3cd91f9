//! The reference's edge-input probes (`tests/data/centimators_probes.json`):
//! where centimators returns a finite result rankloss returns the same
//! numbers; where it returns NaN or infinity rankloss returns a typed error.

use rankloss::{Arg, CombinedLoss, Error, Loss, Real, SpearmanCorrelation, Workspace};
use serde_json::Value;

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unexpected {other}"),
        },
        _ => v.as_f64().expect("number"),
    }
}

fn run<T: Real>(c: &Value) -> (Result<f64, Error>, Vec<f64>) {
    let cast = |k: &str| -> Vec<T> {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|x| T::from_f64(num(x)))
            .collect()
    };
    let (t, p) = (cast("y_true"), cast("y_pred"));
    let tau = T::from_f64(c["regularization_strength"].as_f64().unwrap());
    let mut ws: Workspace<T, 16> = Workspace::new();
    let mut g = vec![T::zero(); t.len()];
    let r = if c["loss"] == "combined" {
        let (wm, wsp) = (
            c["mse_weight"].as_f64().unwrap(),
            c["spearman_weight"].as_f64().unwrap(),
        );
        CombinedLoss::new(T::from_f64(wm), T::from_f64(wsp), tau)
            .unwrap()
            .loss_and_grad(&t, &p, &mut g, &mut ws)
    } else {
        SpearmanCorrelation::new(tau)
            .unwrap()
            .loss_and_grad(&t, &p, &mut g, &mut ws)
    };
    (r.map(|v| v.widen()), g.iter().map(|x| x.widen()).collect())
}

#[test]
fn probes_are_matched_or_reported_as_typed_errors() {
    let all: Value = serde_json::from_str(include_str!("data/centimators_probes.json")).unwrap();
    let mut seen = 0;
    for c in all.as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let (r, g) = if c["dtype"] == "float32" {
            run::<f32>(c)
        } else {
            run::<f64>(c)
        };
        let v_ref = num(&c["value"]);
        let g_ref: Vec<f64> = c["grad_y_pred"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect();
        let reference_finite = v_ref.is_finite() && g_ref.iter().all(|x| x.is_finite());
        let kind = name.split('/').nth(1).unwrap();
        match (kind, reference_finite) {
            ("empty_n0", _) => assert_eq!(r, Err(Error::Empty), "{name}"),
            ("nan_in_pred" | "inf_in_pred", false) => {
                assert!(
                    matches!(
                        r,
                        Err(Error::NonFinite {
                            arg: Arg::YPred,
                            ..
                        })
                    ),
                    "{name}: {r:?}"
                )
            }
            ("inf_in_true", false) => {
                assert!(
                    matches!(
                        r,
                        Err(Error::NonFinite {
                            arg: Arg::YTrue,
                            ..
                        })
                    ),
                    "{name}: {r:?}"
                )
            }
            ("huge_half_max", false) => assert_eq!(r, Err(Error::Overflow), "{name}"),
            (_, true) => {
                let v = r.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    (v - v_ref).abs() <= 1e-6 * (1.0 + v_ref.abs()),
                    "{name}: {v} vs {v_ref}"
                );
                for (a, b) in g.iter().zip(&g_ref) {
                    assert!(
                        (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
                        "{name}: {a} vs {b}"
                    );
                }
            }
            _ => panic!("unexpected probe {name}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 24);
}
