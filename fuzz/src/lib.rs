//! Fuzz harness of `rankloss`.
//!
//! Each fuzz target decodes its input into a loss configuration (float
//! type, workspace capacity `N`, prepared-target capacity `M`, kernel,
//! SIMD on/off, degenerate guard on/off, parameters) and input vectors, then
//! runs every entry point of [`rankloss::Loss`] and checks on every input:
//!
//! - no panic;
//! - a constructor or call that must fail returns exactly the [`Error`]
//!   computed independently here ([`oracle`]): `InvalidParameter` with the
//!   right parameter, `LengthMismatch` with the right argument and lengths,
//!   `Empty`, `CapacityExceeded`, `NonFinite` with the right argument and
//!   the first bad index, `PreparedTargetMismatch`;
//! - otherwise the call returns a finite value in the documented range
//!   (Spearman in `[-1, 1]`, Combined `>= -spearman_weight`) and a finite
//!   gradient, or `Overflow` (with a zeroed gradient) only when a true
//!   intermediate is near `T::MAX` (see [`oracle::ln_spearman_grad_bound`]);
//! - the Spearman gradient sums to zero up to rounding;
//! - determinism: the same call after calls with other data on the same
//!   workspace, and with a differently pre-filled `grad`, is bit-identical;
//! - `loss` gives the value of `loss_and_grad`, bit for bit;
//! - prepared calls give the unprepared results, bit for bit;
//! - the degenerate guard either leaves the result bit-identical or zeroes
//!   the Spearman term and its gradient;
//! - where every pair of values is tied or at least `64 tau` apart, the value
//!   equals the hard (midrank) Spearman computed here in `f64`.

pub mod input;
pub mod oracle;

use core::fmt;
use input::{len, len_like, param, vector, Cursor, Fl};
use rankloss::{
    CombinedLoss, Error, Kernel, Loss, Param, PreparedTarget, SpearmanCorrelation, Workspace,
};

/// Fuzz entry point: [`SpearmanCorrelation`] over `T`.
pub fn spearman<T: Fl>(data: &[u8]) {
    dispatch::<T, SpearmanCase<T>>(data);
}

/// Fuzz entry point: [`CombinedLoss`] over `T`.
pub fn combined<T: Fl>(data: &[u8]) {
    dispatch::<T, CombinedCase<T>>(data);
}

/// Strict mode, the default: the issues found earlier (fixed, see
/// fuzz/README.md) fail like any other. `RANKLOSS_FUZZ_TOLERATE_KNOWN=1`
/// tolerates them, to fuzz an older revision of the crate.
pub fn strict() -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRICT.get_or_init(|| !env_flag("RANKLOSS_FUZZ_TOLERATE_KNOWN"))
}

/// `RANKLOSS_FUZZ_SHOW=1`: print each decoded input (to replay a file and
/// see what it is).
fn show() -> bool {
    static SHOW: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SHOW.get_or_init(|| env_flag("RANKLOSS_FUZZ_SHOW"))
}

fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

/// Chooses the workspace capacity `N` and prepared-target capacity `M`.
fn dispatch<T: Fl, C: Case<T>>(data: &[u8]) {
    let mut c = Cursor::new(data);
    match c.u8() % 8 {
        0 => run::<T, C, 1, 1>(&mut c),
        1 | 2 => run::<T, C, 8, 8>(&mut c),
        3 => run::<T, C, 64, 64>(&mut c),
        4 => run::<T, C, 256, 256>(&mut c),
        5 => run::<T, C, 8, 64>(&mut c),
        6 => run::<T, C, 256, 8>(&mut c),
        _ => run::<T, C, 64, 256>(&mut c),
    }
}

/// Everything needed to report a failure.
struct Ctx<'a, T> {
    loss: String,
    t: &'a [T],
    p: &'a [T],
    glen: usize,
    n_cap: usize,
    m_cap: usize,
}

impl<T: Fl> fmt::Display for Ctx<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "loss = {}", self.loss)?;
        writeln!(
            f,
            "Workspace<_, {}>, PreparedTarget<_, {}>",
            self.n_cap, self.m_cap
        )?;
        writeln!(f, "y_true = {:?}", self.t)?;
        writeln!(f, "y_pred = {:?}", self.p)?;
        write!(f, "grad.len() = {}", self.glen)
    }
}

macro_rules! ensure {
    ($ctx:expr, $cond:expr, $($msg:tt)+) => {{
        // A NaN must fail the check: no `partial_cmp` rewriting.
        let holds: bool = $cond;
        if !holds {
            panic!("{}\n{}", format_args!($($msg)+), $ctx);
        }
    }};
}

/// Value bits or the error: compares results bit for bit.
#[derive(Debug, PartialEq)]
enum Key {
    Ok(u64),
    Err(Error),
}

fn key<T: Fl>(r: &Result<T, Error>) -> Key {
    match r {
        Ok(v) => Key::Ok(v.bits()),
        Err(e) => Key::Err(*e),
    }
}

fn bits<T: Fl>(g: &[T]) -> Vec<u64> {
    g.iter().map(|x| x.bits()).collect()
}

/// Same result and, when successful, the same gradient, bit for bit.
fn identical<T: Fl>(r1: &Result<T, Error>, g1: &[T], r2: &Result<T, Error>, g2: &[T]) -> bool {
    key(r1) == key(r2) && (r1.is_err() || bits(g1) == bits(g2))
}

/// One loss type: decoding, construction, and its specific checks.
trait Case<T: Fl>: Sized {
    type L: Loss<T> + fmt::Debug + Copy;
    /// Decodes the parameters and builds the loss, checking the
    /// constructors' errors (invalid parameters fall back to valid ones).
    fn decode(c: &mut Cursor) -> Self;
    /// The loss under test.
    fn loss(&self) -> Self::L;
    /// The same loss with another `tau` and settings.
    fn with(&self, tau: T, cfg: &Config<T>) -> Self::L;
    /// `tau` and the settings of the loss under test.
    fn setup(&self) -> (T, Config<T>);
    /// Whether `Overflow` is possible for this valid input.
    fn may_overflow(&self, t: &[T], p: &[T], grad: bool) -> bool;
    /// Checks a successful call (value range, gradient, hard-regime value).
    fn check_ok(&self, ctx: &Ctx<T>, v: T, grad: Option<&[T]>);
    /// Extra comparisons (guard, consistency between losses).
    fn compare<const N: usize>(
        &self,
        ctx: &Ctx<T>,
        r: &Result<T, Error>,
        g: &[T],
        ws: &mut Workspace<T, N>,
    );
}

/// Kernel, SIMD and guard settings shared by both losses.
#[derive(Clone, Copy)]
struct Config<T> {
    kernel: Kernel,
    simd: bool,
    guard: Option<T>,
}

impl<T: Fl> Config<T> {
    fn decode(c: &mut Cursor) -> Self {
        let kernel = [Kernel::Auto, Kernel::Pairwise, Kernel::Windowed][usize::from(c.u8() % 3)];
        let simd = c.bool();
        let guard = if c.u8() < 96 { Some(param(c)) } else { None };
        Config {
            kernel,
            simd,
            guard,
        }
    }
}

fn valid_tau<T: Fl>(tau: T) -> bool {
    tau.is_finite() && tau > T::zero()
}

fn valid_weight<T: Fl>(w: T) -> bool {
    w.is_finite() && w >= T::zero()
}

fn invalid(param: Param) -> Error {
    Error::InvalidParameter { param }
}

/// Checks `with_degenerate_guard`'s validation; returns the guard in use.
fn checked_guard<T: Fl>(th: Option<T>) -> Option<T> {
    let th = th?;
    let r = SpearmanCorrelation::<T>::default().with_degenerate_guard(th);
    if valid_weight(th) {
        assert_eq!(
            r.map(|s| s.degenerate_guard().map(|g| g.bits())),
            Ok(Some(th.bits()))
        );
        Some(th)
    } else {
        assert_eq!(
            r.err(),
            Some(invalid(Param::DegenerateThreshold)),
            "guard {th:?}"
        );
        let rc = CombinedLoss::<T>::default().with_degenerate_guard(th);
        assert_eq!(
            rc.err(),
            Some(invalid(Param::DegenerateThreshold)),
            "guard {th:?}"
        );
        None
    }
}

fn configure_spearman<T: Fl>(tau: T, cfg: &Config<T>) -> SpearmanCorrelation<T> {
    let s = SpearmanCorrelation::new(tau)
        .expect("valid tau")
        .with_kernel(cfg.kernel)
        .with_simd(cfg.simd);
    assert!(s.kernel() == cfg.kernel && s.simd() == cfg.simd);
    match cfg.guard {
        Some(th) => s.with_degenerate_guard(th).expect("valid guard"),
        None => s,
    }
}

fn other_tau<T: Fl>(tau: T) -> Option<T> {
    [
        tau + tau,
        tau / (T::one() + T::one()),
        T::from_f64(1e-3),
        T::one(),
    ]
    .into_iter()
    .find(|&x| valid_tau(x) && x != tau)
}

struct SpearmanCase<T> {
    tau: T,
    cfg: Config<T>,
    loss: SpearmanCorrelation<T>,
}

impl<T: Fl> Case<T> for SpearmanCase<T> {
    type L = SpearmanCorrelation<T>;

    fn decode(c: &mut Cursor) -> Self {
        let mut cfg = Config::decode(c);
        let tau: T = param(c);
        let r = SpearmanCorrelation::new(tau);
        let tau = if valid_tau(tau) {
            let s = r.expect("valid tau");
            assert_eq!(s.regularization_strength().bits(), tau.bits());
            assert!(s.kernel() == Kernel::Auto && s.simd() && s.degenerate_guard().is_none());
            tau
        } else {
            assert_eq!(
                r.err(),
                Some(invalid(Param::RegularizationStrength)),
                "tau {tau:?}"
            );
            T::from_f64(1e-3)
        };
        cfg.guard = checked_guard(cfg.guard);
        let loss = configure_spearman(tau, &cfg);
        SpearmanCase { tau, cfg, loss }
    }

    fn loss(&self) -> Self::L {
        self.loss
    }

    fn with(&self, tau: T, cfg: &Config<T>) -> Self::L {
        configure_spearman(tau, cfg)
    }

    fn setup(&self) -> (T, Config<T>) {
        (self.tau, self.cfg)
    }

    fn may_overflow(&self, t: &[T], _p: &[T], grad: bool) -> bool {
        let b = oracle::ln_spearman_grad_bound(t.len(), self.tau.widen());
        grad && oracle::may_overflow(b, oracle::ln_max::<T>())
    }

    fn check_ok(&self, ctx: &Ctx<T>, v: T, grad: Option<&[T]>) {
        let one = T::one();
        ensure!(
            ctx,
            v >= -one && v <= one,
            "Spearman value {v:?} outside [-1, 1]"
        );
        if let Some(g) = grad {
            check_grad_sum(ctx, g);
            // The soft Spearman in f64, unless the guard zeroed the term.
            if (self.cfg.guard.is_none() || v != T::zero()) && !known_issue_2(ctx, self.tau) {
                let (want, tol) = oracle::soft_spearman(ctx.t, ctx.p, self.tau);
                ensure!(
                    ctx,
                    (v.widen() - want).abs() <= tol,
                    "value {v:?}, f64 soft Spearman {want} (tolerance {tol:e})"
                );
            }
        }
        check_hard(ctx, self.tau, self.cfg.guard, v, T::one(), T::zero());
    }

    fn compare<const N: usize>(
        &self,
        ctx: &Ctx<T>,
        r: &Result<T, Error>,
        g: &[T],
        ws: &mut Workspace<T, N>,
    ) {
        if self.cfg.guard.is_none() {
            return;
        }
        // Guard on: bit-identical to the unguarded loss, or a zero term.
        let plain = Config {
            guard: None,
            ..self.cfg
        };
        let plain = configure_spearman(self.tau, &plain);
        let mut gp = vec![T::zero(); g.len()];
        let rp = plain.loss_and_grad(ctx.t, ctx.p, &mut gp, ws);
        if identical(r, g, &rp, &gp) {
            return;
        }
        let zero = T::zero();
        ensure!(
            ctx,
            matches!(r, Ok(v) if *v == zero) && g.iter().all(|&x| x == zero),
            "guarded result {r:?} {g:?} is neither the unguarded {rp:?} {gp:?} nor zero"
        );
    }
}

struct CombinedCase<T> {
    mse_w: T,
    sp_w: T,
    tau: T,
    cfg: Config<T>,
    loss: CombinedLoss<T>,
}

fn configure_combined<T: Fl>(mw: T, sw: T, tau: T, cfg: &Config<T>) -> CombinedLoss<T> {
    let l = CombinedLoss::new(mw, sw, tau)
        .expect("valid parameters")
        .with_kernel(cfg.kernel)
        .with_simd(cfg.simd);
    match cfg.guard {
        Some(th) => l.with_degenerate_guard(th).expect("valid guard"),
        None => l,
    }
}

impl<T: Fl> Case<T> for CombinedCase<T> {
    type L = CombinedLoss<T>;

    fn decode(c: &mut Cursor) -> Self {
        let mut cfg = Config::decode(c);
        let (mw, sw, tau): (T, T, T) = (param(c), param(c), param(c));
        let expected = if !valid_weight(mw) {
            Some(invalid(Param::MseWeight))
        } else if !valid_weight(sw) {
            Some(invalid(Param::SpearmanWeight))
        } else if !valid_tau(tau) {
            Some(invalid(Param::RegularizationStrength))
        } else {
            None
        };
        let r = CombinedLoss::new(mw, sw, tau);
        assert_eq!(
            r.err(),
            expected,
            "CombinedLoss::new({mw:?}, {sw:?}, {tau:?})"
        );
        if let Ok(l) = r {
            assert_eq!(
                [
                    l.mse_weight(),
                    l.spearman_weight(),
                    l.spearman_regularization()
                ]
                .map(Fl::bits),
                [mw, sw, tau].map(Fl::bits)
            );
        }
        let mw = if valid_weight(mw) {
            mw
        } else {
            T::from_f64(2.0)
        };
        let sw = if valid_weight(sw) { sw } else { T::one() };
        let tau = if valid_tau(tau) {
            tau
        } else {
            T::from_f64(1e-3)
        };
        cfg.guard = checked_guard(cfg.guard);
        let loss = configure_combined(mw, sw, tau, &cfg);
        CombinedCase {
            mse_w: mw,
            sp_w: sw,
            tau,
            cfg,
            loss,
        }
    }

    fn loss(&self) -> Self::L {
        self.loss
    }

    fn with(&self, tau: T, cfg: &Config<T>) -> Self::L {
        configure_combined(self.mse_w, self.sp_w, tau, cfg)
    }

    fn setup(&self) -> (T, Config<T>) {
        (self.tau, self.cfg)
    }

    fn may_overflow(&self, t: &[T], p: &[T], grad: bool) -> bool {
        let zero = T::zero();
        let n = (t.len() as f64).ln();
        let mut b = f64::NEG_INFINITY;
        if self.sp_w > zero {
            let lsw = self.sp_w.widen().ln();
            b = b.max(lsw);
            if grad {
                let lg = oracle::ln_spearman_grad_bound(t.len(), self.tau.widen());
                b = b.max(lg).max(lg + lsw);
            }
        }
        if self.mse_w > zero {
            let lmw = self.mse_w.widen().ln();
            let ld = oracle::ln_max_diff(t, p);
            // The weighted mean square (a difference beyond MAX: ld = inf).
            b = b.max(2.0 * ld + lmw);
            if grad {
                // The differences, and the true gradient 2 w (p - t) / n.
                b = b.max(ld).max(lmw + 2f64.ln() - n + ld);
                // Known issue 1: `mse_weight * 2` overflows first.
                if !strict() && (self.mse_w + self.mse_w).is_infinite() {
                    return true;
                }
            }
        }
        oracle::may_overflow(b, oracle::ln_max::<T>())
    }

    fn check_ok(&self, ctx: &Ctx<T>, v: T, grad: Option<&[T]>) {
        let zero = T::zero();
        ensure!(
            ctx,
            v >= -self.sp_w,
            "Combined value {v:?} below -spearman_weight"
        );
        if self.mse_w == zero && self.sp_w == zero {
            ensure!(ctx, v == zero, "zero weights, value {v:?}");
            if let Some(g) = grad {
                ensure!(
                    ctx,
                    g.iter().all(|&x| x == zero),
                    "zero weights, gradient {g:?}"
                );
            }
        }
        let sw = if self.sp_w > zero { self.sp_w } else { zero };
        check_hard(ctx, self.tau, self.cfg.guard, v, sw, self.mse_w);
    }

    fn compare<const N: usize>(
        &self,
        ctx: &Ctx<T>,
        r: &Result<T, Error>,
        g: &[T],
        ws: &mut Workspace<T, N>,
    ) {
        let zero = T::zero();
        let glen = g.len();
        // Guard on: bit-identical to the unguarded loss, or equal to the
        // loss without its Spearman term.
        if self.cfg.guard.is_some() && self.sp_w > zero {
            let plain = Config {
                guard: None,
                ..self.cfg
            };
            let plain = configure_combined(self.mse_w, self.sp_w, self.tau, &plain);
            let mut gp = vec![zero; glen];
            let rp = plain.loss_and_grad(ctx.t, ctx.p, &mut gp, ws);
            if !identical(r, g, &rp, &gp) {
                let mse_only = configure_combined(self.mse_w, zero, self.tau, &self.cfg);
                let mut gm = vec![zero; glen];
                let rm = mse_only.loss_and_grad(ctx.t, ctx.p, &mut gm, ws);
                let same = match (r, &rm) {
                    (Ok(a), Ok(b)) => a == b && g.iter().zip(&gm).all(|(x, y)| x == y),
                    (a, b) => a == b,
                };
                ensure!(
                    ctx,
                    same,
                    "guarded {r:?} {g:?} is neither the unguarded {rp:?} {gp:?} \
                     nor the MSE term alone {rm:?} {gm:?}"
                );
            }
        }
        // mse_weight = 0: the value and gradient of the weighted Spearman
        // loss with the same settings.
        if self.mse_w == zero && self.sp_w > zero {
            let sp = configure_spearman(self.tau, &self.cfg);
            let mut gs = vec![zero; glen];
            let rs = sp.loss_and_grad(ctx.t, ctx.p, &mut gs, ws);
            let same = match (r, &rs) {
                (Ok(a), Ok(b)) => {
                    *a == self.sp_w * *b && g.iter().zip(&gs).all(|(x, y)| *x == self.sp_w * *y)
                }
                (Err(Error::Overflow), Ok(_)) => true,
                (a, b) => a == b,
            };
            ensure!(
                ctx,
                same,
                "mse_weight 0: {r:?} {g:?} is not spearman_weight * Spearman {rs:?} {gs:?}"
            );
        }
    }
}

/// Known issue 2: when the values of a vector span more than `T::MAX` and
/// `tau > 1`, every value is divided by `tau` before the differences are
/// taken, so close pairs of large values cancel: the accuracy checks are
/// skipped there (unless strict).
fn known_issue_2<T: Fl>(ctx: &Ctx<T>, tau: T) -> bool {
    let span = |x: &[T]| {
        let hi = x.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
        let lo = x.iter().fold(T::infinity(), |m, &v| m.min(v));
        hi - lo
    };
    !strict() && tau > T::one() && !(span(ctx.t).is_finite() && span(ctx.p).is_finite())
}

/// The Spearman gradient sums to zero up to rounding.
fn check_grad_sum<T: Fl>(ctx: &Ctx<T>, g: &[T]) {
    let m = g.iter().map(|x| x.widen().abs()).fold(0.0, f64::max);
    if m == 0.0 {
        return;
    }
    let sum: f64 = g.iter().map(|x| x.widen() / m).sum();
    let abs: f64 = g.iter().map(|x| x.widen().abs() / m).sum();
    let tol = 64.0 * g.len() as f64 * T::UNIT;
    let slack = g.len() as f64 * T::min_positive_value().widen() / m;
    ensure!(
        ctx,
        sum.abs() <= tol * abs + slack,
        "gradient sum {} is not ~0 (sum |g| = {})",
        sum * m,
        abs * m
    );
}

/// Where every pair is tied or `>= 64 tau` apart, the Spearman term is the
/// hard midrank Spearman. `v = mse_w * mse + sw * spearman`.
fn check_hard<T: Fl>(ctx: &Ctx<T>, tau: T, guard: Option<T>, v: T, sw: T, mse_w: T) {
    if known_issue_2(ctx, tau) {
        return;
    }
    let tau = tau.widen();
    if !oracle::hard_regime(ctx.t, tau) || !oracle::hard_regime(ctx.p, tau) {
        return;
    }
    let (sp, prod) = oracle::hard_spearman(ctx.t, ctx.p);
    let mse = if mse_w > T::zero() {
        mse_w.widen() * oracle::mse(ctx.t, ctx.p)
    } else {
        0.0
    };
    let sw = sw.widen();
    // Relative rounding, plus the absolute error of squared differences
    // that underflow (at most half the smallest subnormal each), weighted,
    // and a few units of the smallest subnormal for a result that is itself
    // subnormal (each rounding of a scaling step there costs up to one).
    let tiny = 4.0 * T::of_bits(1).widen();
    let s = oracle::ln_max_diff(ctx.t, ctx.p).exp();
    let tol = 1e5 * T::UNIT * (mse.abs() + sw) + tiny * (1.0 + mse_w.widen()) * (1.0 + s);
    let close = |s: f64| {
        let want = mse + sw * s;
        !want.is_finite() || (v.widen() - want).abs() <= tol
    };
    // With the guard, near its threshold either side is acceptable.
    let (may_guard, must_guard) = match guard {
        Some(th) => {
            let th = th.widen();
            let near = (prod - th).abs() <= 1e-4 * prod.max(th);
            (prod <= th || near, prod <= th && !near)
        }
        None => (false, false),
    };
    let ok = if must_guard {
        close(0.0)
    } else {
        close(sp) || (may_guard && close(0.0))
    };
    ensure!(
        ctx,
        ok,
        "value {v:?}, hard (midrank) reference: mse term {mse}, Spearman {sp} (Saa*Sbb {prod})"
    );
}

/// Runs and checks every entry point on one decoded input.
fn run<T: Fl, C: Case<T>, const N: usize, const M: usize>(c: &mut Cursor) {
    let case = C::decode(c);
    let n = len(c);
    let t: Vec<T> = vector(c, n, None);
    let plen = len_like(c, n);
    let p: Vec<T> = vector(c, plen, Some(&t));
    let glen = len_like(c, n);
    // Other data for the same workspace (stale state must not matter).
    let m = len(c);
    let t2: Vec<T> = vector(c, m, None);
    let p2: Vec<T> = vector(c, m, Some(&t2));

    let loss = case.loss();
    let ctx = Ctx {
        loss: format!("{loss:?}"),
        t: &t,
        p: &p,
        glen,
        n_cap: N,
        m_cap: M,
    };
    if show() {
        eprintln!("{ctx}");
    }
    let zero = T::zero();
    let check = |r: &Result<T, Error>, grad: Option<&[T]>, expected: Option<Error>, what: &str| {
        if let Err(e) = r {
            let _ = format!("{e}");
        }
        match (expected, r) {
            (Some(e), r) => {
                ensure!(ctx, *r == Err(e), "{what}: got {r:?}, expected Err({e:?})")
            }
            (None, Err(Error::Overflow)) => {
                ensure!(
                    ctx,
                    case.may_overflow(&t, &p, grad.is_some()),
                    "{what}: Overflow on an input whose results are far from T::MAX"
                );
                if let Some(g) = grad {
                    ensure!(
                        ctx,
                        g.iter().all(|&x| x == zero),
                        "{what}: Overflow, grad {g:?}"
                    );
                }
            }
            (None, Err(e)) => ensure!(ctx, false, "{what}: unexpected Err({e:?})"),
            (None, Ok(v)) => {
                ensure!(ctx, v.is_finite(), "{what}: value {v:?}");
                if let Some(g) = grad {
                    ensure!(
                        ctx,
                        g.iter().all(|x| x.is_finite()),
                        "{what}: gradient {g:?}"
                    );
                }
                case.check_ok(&ctx, *v, grad);
            }
        }
    };

    let mut ws = Workspace::<T, N>::new();
    let mark1 = T::from_f64(12345.5);
    let mark2 = T::nan();

    // Unprepared, fresh workspace.
    let exp_g = oracle::call_error(&t, &p, Some(glen), N);
    let exp_v = oracle::call_error(&t, &p, None, N);
    let mut g1 = vec![mark1; glen];
    let r1 = loss.loss_and_grad(&t, &p, &mut g1, &mut ws);
    check(&r1, Some(&g1), exp_g, "loss_and_grad");
    let rv = loss.loss(&t, &p, &mut ws);
    check(&rv, None, exp_v, "loss");
    if let Ok(v) = r1 {
        ensure!(
            ctx,
            key(&rv) == Key::Ok(v.bits()),
            "loss {rv:?} != loss_and_grad {r1:?}"
        );
    }

    // Other data on the same workspace, then the same calls again.
    let mut go = vec![zero; t2.len()];
    let _ = loss.loss_and_grad(&t2, &p2, &mut go, &mut ws);
    let mut g2 = vec![mark2; glen];
    let r2 = loss.loss_and_grad(&t, &p, &mut g2, &mut ws);
    ensure!(
        ctx,
        identical(&r1, &g1, &r2, &g2),
        "not deterministic: {r1:?} {g1:?} then {r2:?} {g2:?}"
    );

    // Prepared targets.
    let mut target = PreparedTarget::<T, M>::new();
    ensure!(
        ctx,
        loss.loss_prepared(&target, &p, &mut ws) == Err(Error::Empty),
        "fresh target"
    );
    let rp = loss.prepare(&t, &mut target, &mut ws);
    let exp_p = oracle::prepare_error(&t, M, N);
    ensure!(
        ctx,
        rp.err() == exp_p,
        "prepare: got {rp:?}, expected {exp_p:?}"
    );
    if rp.is_ok() {
        ensure!(
            ctx,
            target.len() == n && bits(target.y_true()) == bits(&t),
            "prepared target holds {:?}",
            target.y_true()
        );
        // Dirty the workspace between preparing and using.
        let _ = loss.loss(&p2, &t2, &mut ws);
        let mut g3 = vec![mark2; glen];
        let r3 = loss.loss_and_grad_prepared(&target, &p, &mut g3, &mut ws);
        ensure!(
            ctx,
            identical(&r1, &g1, &r3, &g3),
            "prepared {r3:?} {g3:?} != unprepared {r1:?} {g1:?}"
        );
        let rv3 = loss.loss_prepared(&target, &p, &mut ws);
        ensure!(
            ctx,
            key(&rv) == key(&rv3),
            "prepared {rv3:?} != unprepared {rv:?}"
        );
        // Another tau, kernel or SIMD setting: PreparedTargetMismatch.
        let (tau, cfg) = case.setup();
        let kernel = match cfg.kernel {
            Kernel::Auto => Kernel::Pairwise,
            Kernel::Pairwise => Kernel::Windowed,
            _ => Kernel::Auto,
        };
        let others = [
            other_tau(tau).map(|t| case.with(t, &cfg)),
            Some(case.with(tau, &Config { kernel, ..cfg })),
            Some(case.with(
                tau,
                &Config {
                    simd: !cfg.simd,
                    ..cfg
                },
            )),
        ];
        for other in others.into_iter().flatten() {
            let e = Err(Error::PreparedTargetMismatch);
            let r = other.loss_prepared(&target, &p, &mut ws);
            ensure!(ctx, r == e, "{other:?} with the prepared target: {r:?}");
            let r = other.loss_and_grad_prepared(&target, &p, &mut g3, &mut ws);
            ensure!(
                ctx,
                r == e,
                "{other:?} with the prepared target (grad): {r:?}"
            );
        }
        // Another guard shares the ranks: prepared == unprepared for it.
        let guard = match cfg.guard {
            Some(_) => None,
            None => Some(T::from_f64(1e-3)),
        };
        let other = case.with(tau, &Config { guard, ..cfg });
        let mut g4 = vec![mark1; glen];
        let r4 = other.loss_and_grad(&t, &p, &mut g4, &mut ws);
        let mut g5 = vec![mark2; glen];
        let r5 = other.loss_and_grad_prepared(&target, &p, &mut g5, &mut ws);
        ensure!(
            ctx,
            identical(&r4, &g4, &r5, &g5),
            "{other:?}: prepared {r5:?} {g5:?} != unprepared {r4:?} {g4:?}"
        );
    } else {
        ensure!(
            ctx,
            target.is_empty(),
            "failed prepare left {} targets",
            target.len()
        );
        let mut g3 = vec![zero; glen];
        let r = loss.loss_and_grad_prepared(&target, &p, &mut g3, &mut ws);
        ensure!(ctx, r == Err(Error::Empty), "after failed prepare: {r:?}");
    }

    case.compare(&ctx, &r1, &g1, &mut ws);
}
