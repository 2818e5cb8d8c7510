//! Kernelspecs: `pshell kernel install | list | remove`.
//!
//! A kernelspec is a folder `kernels/NAME/` in a Jupyter data directory holding
//! `kernel.json` (how to start the kernel: `argv` ending in `-f {connection_file}`) and
//! a logo. The data directory is `$JUPYTER_DATA_DIR` when set; otherwise `--user` is
//! `~/.local/share/jupyter` (`$XDG_DATA_HOME/jupyter`), `--prefix P` is
//! `P/share/jupyter`, `--sys-prefix` is the active virtual (or conda) environment's, and
//! the default is `/usr/local/share/jupyter`.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Where to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    User,
    Prefix(PathBuf),
    SysPrefix,
    System,
}

/// The Jupyter data directory for `place`, given the environment `var`.
pub fn data_dir(place: &Place, var: impl Fn(&str) -> Option<String>) -> Result<PathBuf, String> {
    if let Place::Prefix(p) = place {
        return Ok(p.join("share").join("jupyter"));
    }
    if let Some(d) = var("JUPYTER_DATA_DIR").filter(|d| !d.is_empty()) {
        if *place != Place::SysPrefix {
            return Ok(PathBuf::from(d));
        }
    }
    match place {
        Place::User => {
            if let Some(x) = var("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
                return Ok(PathBuf::from(x).join("jupyter"));
            }
            let home = var("HOME").ok_or("--user needs HOME (or JUPYTER_DATA_DIR) to find the data directory")?;
            Ok(PathBuf::from(home).join(".local/share/jupyter"))
        }
        Place::SysPrefix => {
            let env = var("VIRTUAL_ENV").or_else(|| var("CONDA_PREFIX")).ok_or(
                "--sys-prefix needs an active virtual environment (VIRTUAL_ENV or CONDA_PREFIX); use --user or --prefix",
            )?;
            Ok(PathBuf::from(env).join("share").join("jupyter"))
        }
        _ => Ok(PathBuf::from("/usr/local/share/jupyter")),
    }
}

/// The `kernel.json` text for a kernel started as `exe` (with `engines` threads, or under
/// the MPI launcher command `mpi`).
pub fn kernel_json(exe: &Path, display_name: &str, engines: Option<usize>, mpi: Option<&str>) -> Value {
    let mut argv: Vec<String> = Vec::new();
    if let Some(cmd) = mpi {
        argv.extend(cmd.split_whitespace().map(String::from));
    }
    argv.push(exe.display().to_string());
    argv.push("kernel".into());
    if let (Some(n), None) = (engines, mpi) {
        argv.extend(["-n".to_string(), n.to_string()]);
    }
    argv.extend(["-f".to_string(), "{connection_file}".to_string()]);
    json!({
        "argv": argv,
        "display_name": display_name,
        "language": "rhai",
        "interrupt_mode": "message",
        "metadata": {"debugger": false},
    })
}

/// Installs a kernelspec; returns its folder.
pub fn install(place: &Place, name: &str, engines: Option<usize>, mpi: Option<&str>) -> Result<PathBuf, String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(format!("kernel name '{name}': use letters, digits, '-', '_' or '.'"));
    }
    if mpi.is_some_and(|m| m.split_whitespace().next().is_none()) {
        return Err("--mpi needs the launcher command, e.g. --mpi \"mpirun -n 8\"".into());
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the pshell executable: {e}"))?;
    let dir = data_dir(place, |v| std::env::var(v).ok())?.join("kernels").join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
    let mut display = "pshell (Rhai)".to_string();
    if let Some(m) = mpi {
        display = format!("pshell (Rhai, {m})");
    } else if let Some(n) = engines {
        display = format!("pshell (Rhai, {n} engines)");
    }
    let spec = kernel_json(&exe, &display, engines, mpi);
    let text = serde_json::to_string_pretty(&spec).expect("JSON serializes");
    let file = dir.join("kernel.json");
    std::fs::write(&file, text).map_err(|e| format!("cannot write '{}': {e}", file.display()))?;
    let logo = dir.join("logo-64x64.png");
    std::fs::write(&logo, logo_png()).map_err(|e| format!("cannot write '{}': {e}", logo.display()))?;
    Ok(dir)
}

/// The folders Jupyter searches for kernelspecs, first match wins.
pub fn search_dirs() -> Vec<PathBuf> {
    let var = |v: &str| std::env::var(v).ok();
    let mut dirs = Vec::new();
    if let Some(d) = var("JUPYTER_DATA_DIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    for place in [Place::User, Place::SysPrefix, Place::System] {
        if let Ok(d) = data_dir(&place, |v| if v == "JUPYTER_DATA_DIR" { None } else { var(v) }) {
            dirs.push(d);
        }
    }
    dirs.push(PathBuf::from("/usr/share/jupyter"));
    dirs.dedup();
    dirs
}

/// pshell's kernelspecs (language rhai): name and folder.
pub fn list() -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for d in search_dirs() {
        let Ok(entries) = std::fs::read_dir(d.join("kernels")) else { continue };
        let mut here: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter(|e| is_pshell_spec(&e.path()))
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(n, _)| !found.iter().any(|(f, _)| f == n))
            .collect();
        here.sort();
        found.extend(here);
    }
    found
}

fn is_pshell_spec(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("kernel.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .is_some_and(|v| v["language"] == "rhai")
}

/// Removes the pshell kernelspec `name` (the first found); returns its folder.
pub fn remove(name: &str) -> Result<PathBuf, String> {
    let (_, dir) = list()
        .into_iter()
        .find(|(n, _)| n == name)
        .ok_or_else(|| format!("no pshell kernelspec named '{name}' (pshell kernel list shows them)"))?;
    std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove '{}': {e}", dir.display()))?;
    Ok(dir)
}

/// A 64×64 logo: four engine dots on a dark tile.
fn logo_png() -> Vec<u8> {
    let mut pixels = vec![0u8; 64 * 64 * 4];
    for y in 0..64 {
        for x in 0..64 {
            let i = (y * 64 + x) * 4;
            let (cx, cy) = ((x % 32) as i32 - 16, (y % 32) as i32 - 16);
            let dot = cx * cx + cy * cy <= 81;
            let rgba = if dot { [0x4e, 0xc9, 0xb0, 255] } else { [0x1e, 0x2a, 0x3a, 255] };
            pixels[i..i + 4].copy_from_slice(&rgba);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 64, 64);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("a PNG header writes to memory");
        w.write_image_data(&pixels).expect("PNG data writes to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dirs_follow_jupyter() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |v: &str| pairs.iter().find(|(k, _)| *k == v).map(|(_, x)| x.to_string())
        };
        assert_eq!(data_dir(&Place::User, env(&[("HOME", "/h")])).unwrap(), PathBuf::from("/h/.local/share/jupyter"));
        assert_eq!(
            data_dir(&Place::User, env(&[("HOME", "/h"), ("JUPYTER_DATA_DIR", "/j")])).unwrap(),
            PathBuf::from("/j")
        );
        assert_eq!(
            data_dir(&Place::Prefix("/p".into()), env(&[("JUPYTER_DATA_DIR", "/j")])).unwrap(),
            PathBuf::from("/p/share/jupyter")
        );
        assert_eq!(
            data_dir(&Place::SysPrefix, env(&[("VIRTUAL_ENV", "/v")])).unwrap(),
            PathBuf::from("/v/share/jupyter")
        );
        assert!(data_dir(&Place::SysPrefix, env(&[])).unwrap_err().contains("--sys-prefix needs"));
    }

    #[test]
    fn kernel_json_ends_with_the_connection_file() {
        let v = kernel_json(Path::new("/bin/pshell"), "pshell", Some(3), None);
        assert_eq!(v["argv"], json!(["/bin/pshell", "kernel", "-n", "3", "-f", "{connection_file}"]));
        assert_eq!(v["language"], "rhai");
        assert_eq!(v["interrupt_mode"], "message");
        let v = kernel_json(Path::new("/bin/pshell"), "pshell", None, Some("mpirun -n 3"));
        assert_eq!(v["argv"], json!(["mpirun", "-n", "3", "/bin/pshell", "kernel", "-f", "{connection_file}"]));
        assert!(logo_png().starts_with(b"\x89PNG"));
    }
}
