//! A run stopped at any moment — by Ctrl-C or SIGTERM, or killed outright
//! — leaves the output folder holding exactly the old tables or exactly the
//! new ones, the user's own files in it, and no staging folder behind.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::common::{assert_exit, Workdir};

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn start(wd: &Workdir, input: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["extract", input, "--out", "out", "--format", "csv", "-q"])
        .current_dir(wd.path(""))
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// `in_old` (2 workbooks) and `in` (300 copies of the sample workbooks),
/// the tables each gives when read to the end, and `out` holding the old
/// tables and a file of the user's.
struct Scene {
    wd: Workdir,
    old: BTreeMap<String, Vec<u8>>,
    new: BTreeMap<String, Vec<u8>>,
    /// How long a whole run over `in` takes.
    full: Duration,
}

impl Scene {
    fn new() -> Scene {
        let wd = Workdir::new();
        wd.sample_into("in_old");
        for i in 0..150 {
            for unit in ["762002", "762003"] {
                wd.copy_from_repo(
                    &format!("sample_data/{unit}.xlsx"),
                    &format!("in/{i:03}/{unit}.xlsx"),
                );
            }
        }
        let run = |input: &str, out: &str| {
            let r = wd.run(&["extract", input, "--out", out, "--format", "csv", "-q"]);
            assert!(r.status.code().is_some_and(|c| c <= 1), "{r:?}");
        };
        run("in_old", "ref_old");
        let t = Instant::now();
        run("in", "ref_new");
        let full = t.elapsed();
        let scene = Scene {
            old: snapshot(&wd.path("ref_old")),
            new: snapshot(&wd.path("ref_new")),
            wd,
            full,
        };
        scene.reset();
        scene
    }

    /// `out` back to the old tables, with the user's file.
    fn reset(&self) {
        let r = self
            .wd
            .run(&["extract", "in_old", "--out", "out", "--format", "csv", "-q"]);
        assert!(r.status.code().is_some_and(|c| c <= 1), "{r:?}");
        self.wd.write("out/notes.txt", "mine");
    }

    /// `out` holds the old or the new tables and the user's file, and
    /// nothing is left beside it. Says which.
    fn check(&self, when: &str) -> &'static str {
        let mut now = snapshot(&self.wd.path("out"));
        assert_eq!(
            now.remove("notes.txt").as_deref(),
            Some(&b"mine"[..]),
            "{when}: the user's file"
        );
        assert!(
            self.wd.debris().is_empty(),
            "{when}: {:?}",
            self.wd.debris()
        );
        if now == self.old {
            "old"
        } else if now == self.new {
            "new"
        } else {
            panic!(
                "{when}: out holds neither set ({} files; old {}, new {})",
                now.len(),
                self.old.len(),
                self.new.len()
            )
        }
    }
}

/// Moments through a run: from its start to just past its end.
fn moments(full: Duration) -> Vec<Duration> {
    [0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2]
        .iter()
        .map(|f| full.mul_f64(*f))
        .collect()
}

#[test]
fn a_run_stopped_by_a_signal_leaves_the_old_or_the_new_tables() {
    let scene = Scene::new();
    assert_ne!(scene.old, scene.new);
    for sig in [libc::SIGTERM, libc::SIGINT] {
        for at in moments(scene.full) {
            let mut child = start(&scene.wd, "in");
            std::thread::sleep(at);
            signal(&child, sig);
            let status = child.wait().unwrap();
            let when = format!("signal {sig} after {at:?}: {status:?}");
            // Stopped (130); finished already (0 or 1); or ended by the
            // signal itself, when it came before the handler was in place
            // (before anything was written).
            assert!(
                matches!(status.code(), Some(0 | 1 | 130)) || status.signal() == Some(sig),
                "{when}: a stopped run exits 130"
            );
            if scene.check(&when) == "new" {
                scene.reset();
            }
        }
    }
}

#[test]
fn a_run_killed_outright_is_put_right_by_the_next_run() {
    let scene = Scene::new();
    for at in moments(scene.full) {
        let mut child = start(&scene.wd, "in");
        std::thread::sleep(at);
        signal(&child, libc::SIGKILL);
        child.wait().unwrap();
        // What the killed run left is put right before the next run writes.
        let next = scene
            .wd
            .run(&["extract", "in_old", "--out", "out", "--format", "csv", "-q"]);
        assert_exit(&next, 0);
        let when = format!("killed after {at:?}, then run again");
        assert_eq!(scene.check(&when), "old");
    }
}
