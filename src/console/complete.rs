//! Tab completion: magics at the start of a cell, methods and properties after a `.`,
//! module functions after `da::`, and otherwise variables (the console's and the
//! engines'), functions (console and engine ones) and keywords.
//!
//! [`complete`] is plain: it gets the names and returns the candidates. Gathering the
//! names (the engines' variables come from a status query) is the helper's job.

/// Every magic, with its one-line help (also `%help`'s list).
pub const MAGICS: &[(&str, &str)] = &[
    ("%px", "%px CODE: run CODE on the target engines; results tagged by engine"),
    ("%autopx", "%autopx: toggle sending every cell to the target engines"),
    ("%targets", "%targets 0,2-3 | all: the engines %px, %autopx, %time and %pxrun use"),
    ("%time", "%time CODE: run CODE on the targets; per-engine min/median/max and wall time"),
    ("%run", "%run FILE: run a script on the console (its variables and functions stay)"),
    ("%pxrun", "%pxrun FILE: run a script on the target engines"),
    ("%status", "%status: each engine's host, pid, state, current request, memory, variables"),
    ("%who", "%who: variables (with types) on the console and the engines"),
    ("%plots", "%plots: the session's plots (path, engine, kind, title), oldest first"),
    ("%reset", "%reset [-f]: forget every variable and function, console and engines"),
    ("%help", "%help: this list"),
    ("%quit", "%quit: end the session and stop the engines (Ctrl-D does too)"),
];

/// Names completion draws from.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Variables on the console and on the engines.
    pub variables: Vec<String>,
    /// Functions (with module paths, `da::zeros`) and their number of parameters.
    pub functions: Vec<(String, usize)>,
}

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "while", "loop", "for", "in", "do", "until", "break", "continue", "return",
    "throw", "try", "catch", "switch", "true", "false",
];

/// Where the word being completed starts, and the candidates (sorted, no duplicates).
pub fn complete(line: &str, pos: usize, names: &Names) -> (usize, Vec<String>) {
    let before = &line[..pos];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == ':')
        .last()
        .map_or(pos, |(i, _)| i);
    let word = &before[start..];
    let prefix_char = before[..start].chars().next_back();
    let mut out: Vec<String> = if prefix_char == Some('%') && before[..start - 1].trim().is_empty() {
        let magics = MAGICS.iter().map(|(m, _)| &m[1..]).filter(|m| m.starts_with(word)).map(String::from);
        return (start, sorted(magics.collect()));
    } else if prefix_char == Some('.') {
        names
            .functions
            .iter()
            .filter(|(f, params)| *params >= 1 && !f.contains("::") && f.starts_with(word))
            .map(|(f, _)| f.clone())
            .collect()
    } else {
        let vars = names.variables.iter().filter(|v| v.starts_with(word)).cloned();
        // Module functions only once the module is typed (`da::`), not at every Tab.
        let fns = names
            .functions
            .iter()
            .filter(|(f, _)| f.starts_with(word) && (word.contains("::") || !f.contains("::")))
            .map(|(f, _)| f.clone());
        let kws = KEYWORDS.iter().filter(|k| k.starts_with(word)).map(|k| k.to_string());
        vars.chain(fns).chain(kws).collect()
    };
    if word.is_empty() && prefix_char != Some('.') {
        out.clear();
    }
    (start, sorted(out))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            variables: vec!["alpha".into(), "albedo".into(), "kept".into()],
            functions: vec![
                ("allreduce".into(), 2),
                ("len".into(), 1),
                ("engines".into(), 0),
                ("da::zeros".into(), 1),
                ("da::zeros".into(), 2),
            ],
        }
    }

    #[test]
    fn magics_complete_at_the_start() {
        assert_eq!(complete("%p", 2, &names()), (1, vec!["plots".to_string(), "px".to_string(), "pxrun".to_string()]));
        assert_eq!(complete("  %ti", 5, &names()), (3, vec!["time".to_string()]));
        assert_eq!(complete("x % p", 5, &names()).1, Vec::<String>::new());
    }

    #[test]
    fn variables_functions_methods_and_modules() {
        assert_eq!(
            complete("let b = al", 10, &names()),
            (8, vec!["albedo".into(), "allreduce".into(), "alpha".into()])
        );
        assert_eq!(complete("x.le", 4, &names()), (2, vec!["len".into()]));
        assert_eq!(complete("x.", 2, &names()), (2, vec!["allreduce".into(), "len".into()]));
        assert_eq!(complete("px(\"kep", 7, &names()), (4, vec!["kept".into()]));
        assert_eq!(complete("da::z", 5, &names()), (0, vec!["da::zeros".into()]));
        assert_eq!(complete("z", 1, &names()).1, Vec::<String>::new());
        assert_eq!(complete("wh", 2, &names()).1, vec!["while".to_string()]);
        assert_eq!(complete("", 0, &names()).1, Vec::<String>::new());
    }
}
