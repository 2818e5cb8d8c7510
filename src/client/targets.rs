//! Checking the engines a request goes to.

/// Checks explicit targets: each must exist and appear once. `None` means all engines.
pub fn parse_targets(targets: Option<&[i64]>, engines: usize) -> Result<Vec<usize>, String> {
    let Some(targets) = targets else {
        return Ok((0..engines).collect());
    };
    if targets.is_empty() {
        return Err("targets: the list of engines is empty".into());
    }
    let mut seen = vec![false; engines];
    let mut out = Vec::with_capacity(targets.len());
    for &t in targets {
        if t < 0 || t as usize >= engines {
            return Err(format!("targets: engine {t} does not exist (engines are 0-{})", engines - 1));
        }
        if std::mem::replace(&mut seen[t as usize], true) {
            return Err(format!("targets: engine {t} is named twice"));
        }
        out.push(t as usize);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked() {
        assert_eq!(parse_targets(None, 3), Ok(vec![0, 1, 2]));
        assert_eq!(parse_targets(Some(&[2, 0]), 3), Ok(vec![2, 0]));
        assert_eq!(parse_targets(Some(&[3]), 3).unwrap_err(), "targets: engine 3 does not exist (engines are 0-2)");
        assert_eq!(parse_targets(Some(&[-1]), 3).unwrap_err(), "targets: engine -1 does not exist (engines are 0-2)");
        assert_eq!(parse_targets(Some(&[1, 1]), 3).unwrap_err(), "targets: engine 1 is named twice");
        assert_eq!(parse_targets(Some(&[]), 3).unwrap_err(), "targets: the list of engines is empty");
    }
}
