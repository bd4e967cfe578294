//! Finding where in the text a problem found after parsing lives.
//!
//! Problems that ron reports carry ron's own position. Problems found later
//! (an unknown node name, a cycle, a timeline entry after the end) are
//! described by a [`Loc`]: the path shown to the reader (`nodes."users".target`)
//! plus a list of *anchors* to look for in the text, in order:
//!
//! - [`Anchor::Field`]`("nodes")`: an identifier followed by `:` (a field name);
//! - [`Anchor::Key`]`("users")`: a string followed by `:` (a map key);
//! - [`Anchor::Index`]`(3)`: the fourth element of the next `[...]` or `(...)`;
//! - [`Anchor::Str`]`("gatewy")`: a string with that content.
//!
//! The text is first split into tokens (comments and whitespace skipped,
//! strings kept whole so that a `:` or `//` inside a string is never
//! mistaken), each with its bracket depth. Each anchor is searched only inside
//! the value of the anchor before it: from just after it, up to the `,` that
//! ends it or the bracket that closes around it. So `target` after `"users"`
//! is `users`'s own `target`, never another node's.
//!
//! When an anchor is not found (the value came from a default, say), the
//! position of the deepest anchor found is used, or 1:1 when none was.

use std::fmt::Write as _;

/// One search step of a [`Loc`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Anchor {
    /// `name:` — a struct field.
    Field(&'static str),
    /// `"name":` — a map key.
    Key(String),
    /// Element `n` (from 0) of the next bracketed list or tuple.
    Index(usize),
    /// A string literal with this content.
    Str(String),
}

/// A place in the file: the path shown to the reader and the anchors that find it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Loc {
    /// The path as printed: `nodes."users".calls[1].to`.
    pub path: String,
    /// What to search for, in order.
    pub anchors: Vec<Anchor>,
}

impl Loc {
    /// The whole file.
    pub fn root() -> Loc {
        Loc::default()
    }

    /// A struct field: `.name` in the path.
    pub fn field(&self, name: &'static str) -> Loc {
        let mut l = self.clone();
        if !l.path.is_empty() {
            l.path.push('.');
        }
        l.path.push_str(name);
        l.anchors.push(Anchor::Field(name));
        l
    }

    /// A map entry: `."key"` in the path.
    pub fn key(&self, key: &str) -> Loc {
        let mut l = self.clone();
        if !l.path.is_empty() {
            l.path.push('.');
        }
        let _ = write!(l.path, "{key:?}");
        l.anchors.push(Anchor::Key(key.to_string()));
        l
    }

    /// A list element: `[i]` in the path.
    pub fn index(&self, i: usize) -> Loc {
        let mut l = self.clone();
        let _ = write!(l.path, "[{i}]");
        l.anchors.push(Anchor::Index(i));
        l
    }

    /// An extra anchor that narrows the position without changing the path
    /// (the offending value, or an element of an unnamed tuple).
    pub fn at(&self, anchor: Anchor) -> Loc {
        let mut l = self.clone();
        l.anchors.push(anchor);
        l
    }

    /// Narrows to the string value `s` (usually the offending name).
    pub fn at_str(&self, s: &str) -> Loc {
        self.at(Anchor::Str(s.to_string()))
    }
}

/// Kinds of token the locator distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    Str,
    Open,
    Close,
    Comma,
    Colon,
    Other,
}

/// A token: kind, byte range of its text (for strings: of the content
/// between the quotes) and its bracket depth (brackets count at the outer depth).
#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    text: (usize, usize),
    depth: usize,
}

/// The text split into tokens, ready to answer any number of [`Loc`]s.
pub(crate) struct Locator<'a> {
    src: &'a str,
    tokens: Vec<Token>,
}

impl<'a> Locator<'a> {
    /// Tokenizes `src`. Never fails: unknown characters become [`Kind::Other`].
    pub fn new(src: &'a str) -> Self {
        Locator {
            src,
            tokens: lex(src),
        }
    }

    /// `(line, column)` of `loc`, both from 1, columns in characters.
    pub fn locate(&self, loc: &Loc) -> (usize, usize) {
        match self.find(&loc.anchors) {
            Some(offset) => line_col(self.src, offset),
            None => (1, 1),
        }
    }

    /// Byte offset of the deepest anchor found.
    fn find(&self, anchors: &[Anchor]) -> Option<usize> {
        let mut from = 0;
        let mut scope: Option<usize> = None;
        let mut best = None;
        for anchor in anchors {
            let Some(j) = self.search(from, scope, anchor) else {
                break;
            };
            best = Some(self.tokens[j].start);
            from = j + 1;
            scope = Some(self.tokens[j].depth);
        }
        best
    }

    /// Index of the first token from `from` matching `anchor` within the value
    /// at depth `scope` (everything when `None`).
    fn search(&self, from: usize, scope: Option<usize>, anchor: &Anchor) -> Option<usize> {
        let in_scope = |t: &Token| match scope {
            None => true,
            Some(d) => {
                t.depth > d || (t.depth == d && t.kind != Kind::Comma && t.kind != Kind::Close)
            }
        };
        let followed_by_colon = |j: usize| {
            self.tokens
                .get(j + 1)
                .is_some_and(|t| t.kind == Kind::Colon)
        };
        let mut j = from;
        while j < self.tokens.len() && in_scope(&self.tokens[j]) {
            let t = &self.tokens[j];
            let found = match anchor {
                Anchor::Field(name) => {
                    t.kind == Kind::Ident && self.text(t) == *name && followed_by_colon(j)
                }
                Anchor::Key(key) => {
                    t.kind == Kind::Str && self.text(t) == key && followed_by_colon(j)
                }
                Anchor::Str(s) => t.kind == Kind::Str && self.text(t) == s,
                Anchor::Index(n) => {
                    if t.kind == Kind::Open {
                        return self.element(j, *n);
                    }
                    false
                }
            };
            if found {
                return Some(j);
            }
            j += 1;
        }
        None
    }

    /// The first token of element `n` of the bracketed sequence opening at `open`.
    fn element(&self, open: usize, n: usize) -> Option<usize> {
        let inner = self.tokens[open].depth + 1;
        let mut index = 0;
        let mut at_start = true;
        for j in open + 1..self.tokens.len() {
            let t = &self.tokens[j];
            if t.depth < inner {
                return None; // the closing bracket: fewer elements
            }
            if t.depth == inner && t.kind == Kind::Comma {
                index += 1;
                at_start = true;
                continue;
            }
            if at_start && index == n {
                return Some(j);
            }
            at_start = false;
        }
        None
    }

    fn text(&self, t: &Token) -> &str {
        &self.src[t.text.0..t.text.1]
    }
}

/// `(line, column)` of byte `offset`, both from 1, columns counted in characters.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, 1 + before[line_start..].chars().count())
}

/// Byte offset of `(line, column)` (from 1, columns in characters), clamped to the text.
pub(crate) fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match src[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return src.len(),
        }
    }
    let rest = &src[offset..];
    let in_line = rest
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(col.saturating_sub(1))
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    offset + in_line
}

/// Whether the first token of `src` (after whitespace and comments) is a string literal.
pub(crate) fn starts_with_string(src: &str) -> bool {
    first_token(src).is_some_and(|t| t.kind == Kind::Str)
}

/// Whether `src` is exactly one bare identifier `ident` (comments and spaces aside).
pub(crate) fn is_lone_ident(src: &str, ident: &str) -> bool {
    let tokens = lex(src);
    tokens.len() == 1
        && tokens[0].kind == Kind::Ident
        && &src[tokens[0].text.0..tokens[0].text.1] == ident
}

/// Byte offset of the first token of `src` (after whitespace and comments), or its length.
pub(crate) fn first_token_offset(src: &str) -> usize {
    first_token(src).map_or(src.len(), |t| t.start)
}

fn first_token(src: &str) -> Option<Token> {
    Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    }
    .next_token(0)
}

fn lex(src: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    };
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    while let Some(mut t) = lexer.next_token(depth) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                t.depth = depth;
            }
            _ => {}
        }
        tokens.push(t);
    }
    tokens
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    /// The next token, skipping whitespace and comments (block comments nest, as in ron).
    fn next_token(&mut self, depth: usize) -> Option<Token> {
        self.skip_trivia();
        let start = self.pos;
        let c = self.src[start..].chars().next()?;
        let token = |kind, end: usize| Token {
            kind,
            start,
            text: (start, end),
            depth,
        };
        let kind_of_punct = match c {
            '(' | '[' | '{' => Some(Kind::Open),
            ')' | ']' | '}' => Some(Kind::Close),
            ',' => Some(Kind::Comma),
            ':' => Some(Kind::Colon),
            _ => None,
        };
        if let Some(kind) = kind_of_punct {
            self.pos += 1;
            return Some(token(kind, self.pos));
        }
        if c == '"' {
            let (content, end) = self.quoted(start + 1);
            self.pos = end;
            return Some(Token {
                kind: Kind::Str,
                start,
                text: content,
                depth,
            });
        }
        if c == 'r' || c == 'b' {
            // Raw strings r"..", r#".."#, byte strings b"..", br"..".
            let rest = &self.src[start..];
            let after_prefix = if rest.starts_with("br") { 2 } else { 1 };
            let hashes = rest[after_prefix..]
                .bytes()
                .take_while(|&b| b == b'#')
                .count();
            let raw = rest.starts_with('r') || rest.starts_with("br");
            if rest[after_prefix + hashes..].starts_with('"') && (raw || hashes == 0) {
                let open = start + after_prefix + hashes + 1;
                if raw {
                    let closing = format!("\"{}", "#".repeat(hashes));
                    let end = self.src[open..]
                        .find(&closing)
                        .map_or(self.src.len(), |i| open + i);
                    self.pos = (end + closing.len()).min(self.src.len());
                    return Some(Token {
                        kind: Kind::Str,
                        start,
                        text: (open, end),
                        depth,
                    });
                }
                let (content, end) = self.quoted(open);
                self.pos = end;
                return Some(Token {
                    kind: Kind::Str,
                    start,
                    text: content,
                    depth,
                });
            }
        }
        if c == '\'' {
            // A char literal; a quote with no closing quote nearby is just punctuation.
            let rest = &self.src[start + 1..];
            let mut chars = rest.char_indices();
            let end = match chars.next() {
                Some((_, '\\')) => rest[1..].find('\'').map(|i| i + 1),
                Some((i, ch)) => rest[i + ch.len_utf8()..]
                    .starts_with('\'')
                    .then(|| i + ch.len_utf8()),
                None => None,
            };
            self.pos = end.map_or(start + 1, |e| start + 1 + e + 1);
            return Some(token(Kind::Other, self.pos));
        }
        if c == '_' || c.is_alphabetic() {
            let ident_start = if self.src[start..].starts_with("r#") {
                start + 2
            } else {
                start
            };
            let len = self.src[ident_start..]
                .find(|ch: char| !(ch == '_' || ch.is_alphanumeric()))
                .unwrap_or(self.src.len() - ident_start);
            self.pos = ident_start + len;
            return Some(Token {
                kind: Kind::Ident,
                start,
                text: (ident_start, self.pos),
                depth,
            });
        }
        self.pos += c.len_utf8();
        if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            // Numbers: swallow the rest of the literal so `1e-3` stays one token.
            let len = self.src[self.pos..]
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '.' || ch == '_'))
                .unwrap_or(self.src.len() - self.pos);
            self.pos += len;
        }
        Some(token(Kind::Other, self.pos))
    }

    /// From just after an opening `"`: the content range and the position after the closing quote.
    fn quoted(&self, open: usize) -> ((usize, usize), usize) {
        let mut i = open;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\\' => i += 2,
                b'"' => return ((open, i), i + 1),
                _ => i += 1,
            }
        }
        ((open, self.bytes.len()), self.bytes.len())
    }

    fn skip_trivia(&mut self) {
        loop {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if trimmed.starts_with("/*") {
                let mut depth = 0usize;
                let mut i = self.pos;
                while i < self.bytes.len() {
                    if self.bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if self.bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                self.pos = i.min(self.bytes.len());
                while !self.src.is_char_boundary(self.pos) {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"Scenario(
    // target: "nowhere" in a comment is skipped
    nodes: {
        "users": Client(open: Poisson(per_second: 1), /* target: "x" */ target: "gatewy"),
        "gateway": Service(workers: 1, work: "1ms", calls: [Call(to: "db"), Call(to: "dbb")]),
        "note": Service(work: "a: \"b\", target: c", target: "later"),
    },
    timeline: [At("1s", Crash("db")), At("2s", Heal), At("3s", Crash("db"))],
)"#;

    fn at(loc: &Loc) -> (usize, usize) {
        Locator::new(SRC).locate(loc)
    }

    #[test]
    fn follows_anchors_in_order_and_skips_comments() {
        let users = Loc::root().field("nodes").key("users");
        assert_eq!(users.path, r#"nodes."users""#);
        let target = users.field("target");
        assert_eq!(target.path, r#"nodes."users".target"#);
        assert_eq!(at(&target), (4, 73));
        assert_eq!(at(&target.at_str("gatewy")), (4, 81));
    }

    #[test]
    fn indexes_lists_and_tuples() {
        let calls = Loc::root().field("nodes").key("gateway").field("calls");
        assert_eq!(at(&calls.index(1)), (5, 77));
        assert_eq!(
            calls.index(1).field("to").path,
            r#"nodes."gateway".calls[1].to"#
        );
        assert_eq!(at(&calls.index(1).field("to")), (5, 82));
        let third = Loc::root().field("timeline").index(2);
        assert_eq!(at(&third), (8, 55));
        assert_eq!(at(&third.at(Anchor::Index(0))), (8, 58));
        assert_eq!(at(&third.at_str("db")), (8, 70));
        assert_eq!(at(&Loc::root().field("timeline").index(1)), (8, 39));
    }

    #[test]
    fn stays_inside_the_value_of_the_previous_anchor() {
        // "gateway" has no `target`: the search must not run on into "note".
        let loc = Loc::root().field("nodes").key("gateway").field("target");
        assert_eq!(at(&loc), (5, 9));
        // A string that looks like a field is not a field.
        let note = Loc::root().field("nodes").key("note").field("target");
        assert_eq!(at(&note), (6, 54));
    }

    #[test]
    fn falls_back_to_the_deepest_anchor_or_the_start() {
        assert_eq!(at(&Loc::root().field("nodes").key("nobody")), (3, 5));
        assert_eq!(at(&Loc::root().field("missing")), (1, 1));
        assert_eq!(at(&Loc::root().field("timeline").index(7)), (8, 5));
        assert_eq!(at(&Loc::root()), (1, 1));
    }

    #[test]
    fn positions_count_characters() {
        let src = "(µµ: \"é\", x: 1)";
        let loc = Loc::root().field("x");
        assert_eq!(Locator::new(src).locate(&loc), (1, 11));
        assert_eq!(line_col(src, src.find('x').unwrap()), (1, 11));
        assert_eq!(offset_of(src, 1, 11), src.find('x').unwrap());
        assert_eq!(offset_of("a\nbc\n", 2, 2), 3);
        assert_eq!(offset_of("a\nbc\n", 9, 9), 5);
    }

    #[test]
    fn recognises_strings_and_lone_identifiers() {
        assert!(starts_with_string(" /* c */ \"1ms\""));
        assert!(starts_with_string("r#\"1ms\"#"));
        assert!(!starts_with_string("Uniform(min: \"1ms\")"));
        assert!(is_lone_ident(" Heal // all", "Heal"));
        assert!(!is_lone_ident("Heal(group: [])", "Heal"));
        // Unterminated things never panic.
        for s in ["\"abc", "r#\"abc", "/* /* */", "'", "'\\", "b", "é", "r#"] {
            let _ = lex(s);
        }
    }
}
