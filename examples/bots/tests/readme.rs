//! The README opens with `readme_bot.rs`, which CI compiles: the two must not drift apart.

#[test]
fn the_readme_opens_with_the_readme_bot_example() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{dir}/../../README.md")).unwrap();
    let example = std::fs::read_to_string(format!("{dir}/readme_bot.rs")).unwrap();
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a rust block in the README");
    // The example without its header comment (how to run it), which the README says in prose.
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        block, code,
        "the README's first rust block is examples/bots/readme_bot.rs"
    );
}
