//! Combined loss over `f64`: every workspace capacity, kernel, SIMD setting,
//! guard setting, and both prepared and unprepared calls.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rankloss_fuzz::combined::<f64>(data));
