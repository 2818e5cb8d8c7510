//! The rustyline helper of a terminal REPL: it validates cells ([`validate`]), completes
//! names ([`complete`]) and colours the line ([`highlight`]).
//!
//! Completion gathers its names when Tab is pressed: the console's variables and
//! functions (a snapshot the REPL refreshes after every cell), the engines' functions
//! (listed once from an engine built for the purpose), and the engines' variables, asked
//! with a status query that engines answer even while busy (after a short wait, the
//! last answer is used).

use super::complete::{self, Names};
use super::screen::Style;
use super::{highlight, validate, Shared};
use rustyline::completion::Completer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// How long Tab waits for the engines' variables.
const ASK_ENGINES: Duration = Duration::from_millis(150);

pub struct ReplHelper {
    parser: rhai::Engine,
    style: Style,
    shared: Rc<RefCell<Shared>>,
    /// The console's variables and functions, refreshed by the REPL after each cell.
    pub console_names: Rc<RefCell<Names>>,
    /// Engine functions (listed once) and the engines' variables (last known).
    engine_functions: RefCell<Option<Vec<(String, usize)>>>,
    engine_variables: RefCell<Vec<String>>,
}

impl ReplHelper {
    pub fn new(style: Style, shared: Rc<RefCell<Shared>>, console_names: Rc<RefCell<Names>>) -> ReplHelper {
        ReplHelper {
            parser: validate::parser(),
            style,
            shared,
            console_names,
            engine_functions: RefCell::new(None),
            engine_variables: RefCell::new(Vec::new()),
        }
    }

    fn names(&self) -> Names {
        let mut names = self.console_names.borrow().clone();
        let fns = self.engine_functions.borrow_mut().get_or_insert_with(|| crate::runner::function_names(true)).clone();
        names.functions.extend(fns);
        if let Ok(mut shared) = self.shared.try_borrow_mut() {
            let answers = shared.client.status(ASK_ENGINES);
            let known: Vec<String> =
                answers.iter().flatten().flat_map(|st| st.variables.iter().map(|(n, _)| n.clone())).collect();
            if answers.iter().any(Result::is_ok) {
                *self.engine_variables.borrow_mut() = known;
            }
        }
        names.variables.extend(self.engine_variables.borrow().iter().cloned());
        names
    }
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete::complete(line, pos, &self.names()))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.style.color {
            Cow::Owned(highlight::highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.style.color && kind != CmdKind::MoveCursor
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if validate::needs_more(&self.parser, ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Helper for ReplHelper {}
