//! Architecture rules, checked on the source text.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_simulation_core_is_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src/sim", "src/metrics"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(!files.is_empty());
    let forbidden = [
        "egui",
        "eframe",
        "tokio",
        "Instant::now",
        "SystemTime",
        "thread::spawn",
        "rand::random",
        "StdRng",
        "thread_rng",
        "rand::rng()",
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} names `{word}`: the simulation must stay pure",
                file.display()
            );
        }
    }
}
