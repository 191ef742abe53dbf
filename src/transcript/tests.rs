//! Transcript format tests (recording through the harness is tested in `tests/`).
