//! The Python expressions of feedparser's test cases (`Expect:` lines),
//! parsed and evaluated over a JSON view of our parse.
//!
//! Written by hand: the cases use a small, fixed subset of Python (`and`,
//! `or`, `not`, comparisons, `is None`, `in`, subscripts, string and number
//! literals, tuples, `len()`, `.get()`), and no crate evaluates Python
//! expressions over Rust values without embedding an interpreter.

use serde_json::Value;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Name(String),
    Tuple(Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    Attr(Box<Expr>, String),
    Call(Box<Expr>, Vec<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Box<Expr>, Op, Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Is,
    IsNot,
    In,
    NotIn,
}

/// Why an expression could not be read or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    /// Python we do not evaluate (a name, a function): the case is skipped.
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("syntax: {0}")]
    Syntax(String),
    /// What Python would raise (a missing key, an index out of range): the
    /// expectation fails.
    #[error("{0}")]
    Raised(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Num(i64),
    Sym(&'static str),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // String literal, with an optional u/b/r prefix.
        let prefix_len = chars[i..]
            .iter()
            .take_while(|c| matches!(c, 'u' | 'U' | 'b' | 'B' | 'r' | 'R'))
            .count();
        if prefix_len <= 2 && matches!(chars.get(i + prefix_len), Some('\'' | '"')) {
            let raw = chars[i..i + prefix_len].iter().any(|c| matches!(c, 'r' | 'R'));
            let quote = chars[i + prefix_len];
            // Triple-quoted: ends at three quotes, may hold single ones.
            let triple = chars.get(i + prefix_len + 1) == Some(&quote) && chars.get(i + prefix_len + 2) == Some(&quote);
            let mut j = i + prefix_len + if triple { 3 } else { 1 };
            let mut s = String::new();
            loop {
                let Some(&c) = chars.get(j) else {
                    return Err(ExprError::Syntax("unterminated string".into()));
                };
                if c == quote && (!triple || (chars.get(j + 1) == Some(&quote) && chars.get(j + 2) == Some(&quote))) {
                    if triple {
                        j += 2;
                    }
                    break;
                }
                if c == '\\' && !raw {
                    let (ch, used) = escape(&chars[j + 1..])?;
                    s.push_str(&ch);
                    j += 1 + used;
                } else {
                    s.push(c);
                    j += 1;
                }
            }
            out.push(Tok::Str(s));
            i = j + 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Name(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            // A trailing L (Python 2 long) is allowed.
            let text: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&'L') {
                i += 1;
            }
            if chars.get(i) == Some(&'.') {
                return Err(ExprError::Unsupported("floating-point numbers".into()));
            }
            let n = text.parse().map_err(|_| ExprError::Syntax(format!("number {text}")))?;
            out.push(Tok::Num(n));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(sym) = sym {
            out.push(Tok::Sym(sym));
            i += 2;
            continue;
        }
        let sym = match c {
            '(' => "(",
            ')' => ")",
            '[' => "[",
            ']' => "]",
            ',' => ",",
            '.' => ".",
            '<' => "<",
            '>' => ">",
            ':' => ":",
            '+' => "+",
            _ => return Err(ExprError::Unsupported(format!("the character {c:?}"))),
        };
        out.push(Tok::Sym(sym));
        i += 1;
    }
    Ok(out)
}

/// One escape sequence after a backslash: its text and the characters used.
fn escape(rest: &[char]) -> Result<(String, usize), ExprError> {
    let hex = |n: usize| -> Result<(String, usize), ExprError> {
        let digits: String = rest.iter().skip(1).take(n).collect();
        let code = u32::from_str_radix(&digits, 16).map_err(|_| ExprError::Syntax(format!("escape {digits}")))?;
        let ch = char::from_u32(code).ok_or_else(|| ExprError::Syntax(format!("code point {code:x}")))?;
        Ok((ch.to_string(), n + 1))
    };
    match rest.first() {
        Some('n') => Ok(("\n".into(), 1)),
        Some('t') => Ok(("\t".into(), 1)),
        Some('r') => Ok(("\r".into(), 1)),
        Some('0') => Ok(("\0".into(), 1)),
        Some('x') => hex(2),
        Some('u') => hex(4),
        Some('U') => hex(8),
        Some(&c @ ('\\' | '\'' | '"')) => Ok((c.to_string(), 1)),
        Some(&c) => Ok((format!("\\{c}"), 1)),
        None => Err(ExprError::Syntax("backslash at the end".into())),
    }
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

/// Parses one expression.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let mut p = Parser {
        toks: tokenize(src)?,
        at: 0,
    };
    let e = p.or()?;
    if p.at != p.toks.len() {
        return Err(ExprError::Syntax(format!("unexpected {:?}", p.toks[p.at])));
    }
    Ok(e)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == name) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), ExprError> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(ExprError::Syntax(format!("expected {sym}")))
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.and()?;
        while self.eat_name("or") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.not()?;
        while self.eat_name("and") {
            e = Expr::And(Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.eat_name("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    /// A comparison, chained as Python chains them (`a == b == c` is
    /// `a == b and b == c`).
    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.sum()?;
        let Some((op, right)) = self.compared()? else {
            return Ok(left);
        };
        let mut e = Expr::Cmp(Box::new(left), op, Box::new(right.clone()));
        let mut last = right;
        while let Some((op, next)) = self.compared()? {
            let more = Expr::Cmp(Box::new(last), op, Box::new(next.clone()));
            e = Expr::And(Box::new(e), Box::new(more));
            last = next;
        }
        Ok(e)
    }

    /// `+` between operands (string concatenation in the cases).
    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.postfix()?;
        while self.eat_sym("+") {
            e = Expr::Add(Box::new(e), Box::new(self.postfix()?));
        }
        Ok(e)
    }

    /// A comparison operator and its right operand, if one follows.
    fn compared(&mut self) -> Result<Option<(Op, Expr)>, ExprError> {
        let symbol = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find(|(sym, _)| self.eat_sym(sym));
        let op = if let Some((_, op)) = symbol {
            op
        } else if self.eat_name("is") {
            if self.eat_name("not") { Op::IsNot } else { Op::Is }
        } else if self.eat_name("in") {
            Op::In
        } else if matches!(self.peek(), Some(Tok::Name(n)) if n == "not")
            && matches!(self.toks.get(self.at + 1), Some(Tok::Name(n)) if n == "in")
        {
            self.at += 2;
            Op::NotIn
        } else {
            return Ok(None);
        };
        Ok(Some((op, self.sum()?)))
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.atom()?;
        loop {
            if self.eat_sym("[") {
                if matches!(self.peek(), Some(Tok::Sym(":"))) {
                    return Err(ExprError::Unsupported("slices".into()));
                }
                let index = self.or()?;
                if self.eat_sym(":") {
                    return Err(ExprError::Unsupported("slices".into()));
                }
                self.expect_sym("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else if self.eat_sym(".") {
                match self.toks.get(self.at).cloned() {
                    Some(Tok::Name(n)) => {
                        self.at += 1;
                        e = Expr::Attr(Box::new(e), n);
                    }
                    _ => return Err(ExprError::Syntax("expected a name after '.'".into())),
                }
            } else if self.eat_sym("(") {
                e = Expr::Call(Box::new(e), self.items(")")?);
            } else {
                return Ok(e);
            }
        }
    }

    /// Comma-separated expressions up to `close` (the opening bracket read).
    fn items(&mut self, close: &str) -> Result<Vec<Expr>, ExprError> {
        let mut items = Vec::new();
        if self.eat_sym(close) {
            return Ok(items);
        }
        loop {
            items.push(self.or()?);
            if self.eat_sym(close) {
                return Ok(items);
            }
            self.expect_sym(",")?;
        }
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let Some(tok) = self.toks.get(self.at).cloned() else {
            return Err(ExprError::Syntax("unexpected end".into()));
        };
        self.at += 1;
        match tok {
            Tok::Str(s) => {
                // Adjacent literals concatenate, as in Python.
                let mut s = s;
                while let Some(Tok::Str(more)) = self.peek().cloned() {
                    self.at += 1;
                    s.push_str(&more);
                }
                Ok(Expr::Lit(Value::String(s)))
            }
            Tok::Num(n) => Ok(Expr::Lit(Value::from(n))),
            Tok::Name(n) => Ok(match n.as_str() {
                "None" => Expr::Lit(Value::Null),
                "True" => Expr::Lit(Value::Bool(true)),
                "False" => Expr::Lit(Value::Bool(false)),
                _ => Expr::Name(n),
            }),
            Tok::Sym("(") => {
                if self.eat_sym(")") {
                    return Ok(Expr::Tuple(Vec::new()));
                }
                let first = self.or()?;
                if self.eat_sym(")") {
                    return Ok(first);
                }
                let mut items = vec![first];
                while self.eat_sym(",") {
                    if self.eat_sym(")") {
                        return Ok(Expr::Tuple(items));
                    }
                    items.push(self.or()?);
                }
                self.expect_sym(")")?;
                Ok(Expr::Tuple(items))
            }
            Tok::Sym("[") => Ok(Expr::Tuple(self.items("]")?)),
            t => Err(ExprError::Syntax(format!("unexpected {t:?}"))),
        }
    }
}

/// The names an expression reads: free names from the scope, and strings
/// used as subscripts or attribute names (the feedparser fields it is about).
#[derive(Debug, Default, PartialEq)]
pub struct Names {
    pub free: Vec<String>,
    pub keys: Vec<String>,
}

/// The names `e` reads, in order.
pub fn names(e: &Expr) -> Names {
    fn walk(e: &Expr, out: &mut Names) {
        match e {
            Expr::Lit(_) => {}
            Expr::Name(n) => out.free.push(n.clone()),
            Expr::Tuple(items) => items.iter().for_each(|i| walk(i, out)),
            Expr::Index(a, b) => {
                walk(a, out);
                match b.as_ref() {
                    Expr::Lit(Value::String(s)) => out.keys.push(s.clone()),
                    other => walk(other, out),
                }
            }
            Expr::Attr(a, n) => {
                walk(a, out);
                out.keys.push(n.clone());
            }
            Expr::Call(f, args) => {
                walk(f, out);
                args.iter().for_each(|a| walk(a, out));
            }
            Expr::Not(a) => walk(a, out),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(a, _, b) | Expr::Add(a, b) => {
                walk(a, out);
                walk(b, out);
            }
        }
    }
    let mut out = Names::default();
    walk(e, &mut out);
    out
}

/// Evaluates `e` with `scope` (an object) holding the free names.
pub fn eval(e: &Expr, scope: &Value) -> Result<Value, ExprError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Name(n) => scope
            .get(n)
            .cloned()
            .ok_or_else(|| ExprError::Unsupported(format!("the name {n}")))?,
        Expr::Tuple(items) => Value::Array(items.iter().map(|i| eval(i, scope)).collect::<Result<_, _>>()?),
        Expr::Index(a, b) => index(&eval(a, scope)?, &eval(b, scope)?)?,
        // feedparser's dictionaries answer attribute access as keys.
        Expr::Attr(a, n) => index(&eval(a, scope)?, &Value::String(n.clone()))?,
        Expr::Call(f, args) => call(f, args, scope)?,
        Expr::Not(a) => Value::Bool(!truthy(&eval(a, scope)?)),
        Expr::Add(a, b) => match (eval(a, scope)?, eval(b, scope)?) {
            (Value::String(x), Value::String(y)) => Value::String(x + &y),
            (x, y) => return Err(ExprError::Raised(format!("cannot add {x} and {y}"))),
        },
        Expr::And(a, b) => {
            let left = eval(a, scope)?;
            if truthy(&left) { eval(b, scope)? } else { left }
        }
        Expr::Or(a, b) => {
            let left = eval(a, scope)?;
            if truthy(&left) { left } else { eval(b, scope)? }
        }
        Expr::Cmp(a, op, b) => {
            let (mut left, mut right) = (eval(a, scope)?, eval(b, scope)?);
            if matches!(op, Op::Eq | Op::Ne) {
                if is_encoding(a) {
                    right = encoding_named(right);
                    left = encoding_named(left);
                } else if is_encoding(b) {
                    left = encoding_named(left);
                    right = encoding_named(right);
                }
                match (html_base(a, scope), html_base(b, scope)) {
                    (Some(base), None) => right = as_we_would_store(right, &base),
                    (None, Some(base)) => left = as_we_would_store(left, &base),
                    _ => {}
                }
            }
            Value::Bool(compare(&left, *op, &right)?)
        }
    })
}

/// The document's `encoding`, at the top of the scope.
fn is_encoding(e: &Expr) -> bool {
    matches!(e, Expr::Name(n) if n == "encoding")
}

/// An encoding label as the WHATWG encoding it names (Python's `us-ascii`
/// and `iso-8859-1` are labels of `windows-1252`, which decodes them; GBK
/// decodes as gb18030); a label no encoding has stays as it is.
fn encoding_named(v: Value) -> Value {
    match &v {
        Value::String(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            // WHATWG's GBK decoder is its gb18030 decoder.
            .map(|e| if e == encoding_rs::GBK { encoding_rs::GB18030 } else { e })
            .map_or(v.clone(), |e| Value::String(e.name().to_ascii_lowercase())),
        _ => v,
    }
}

/// The base URL of a value that is HTML in our model: `x['value']` of a
/// detail whose `type` is HTML (`content[0]`, `title_detail`), or `x['key']`
/// beside an HTML `x['key_detail']` (`summary`, `title`, `description`).
/// `None` for text and for anything else.
fn html_base(e: &Expr, scope: &Value) -> Option<String> {
    let (container, key) = match e {
        Expr::Index(a, k) => (a.as_ref(), eval(k, scope).ok()?.as_str()?.to_string()),
        Expr::Attr(a, k) => (a.as_ref(), k.clone()),
        _ => return None,
    };
    let container = eval(container, scope).ok()?;
    let detail = if key == "value" {
        &container
    } else {
        container.get(format!("{key}_detail"))?
    };
    let kind = detail.get("type")?.as_str()?;
    if !kind.contains("html") {
        return None;
    }
    Some(
        detail
            .get("base")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// An expected HTML value as we would store it: through our sanitizer, with
/// the same base. Our sanitizer is stricter than feedparser's, so we compare
/// our output with their safe output under our allowlist: we must remove at
/// least what they removed and keep all the text (docs/CONFORMANCE.md).
fn as_we_would_store(v: Value, base: &str) -> Value {
    match v {
        Value::String(s) => Value::String(match url::Url::parse(base) {
            Ok(base) => tracewire_extract::sanitize_html_with_base(&s, &base),
            Err(_) => tracewire_extract::sanitize_html(&s),
        }),
        other => other,
    }
}

fn call(f: &Expr, args: &[Expr], scope: &Value) -> Result<Value, ExprError> {
    match f {
        Expr::Name(n) if n == "len" && args.len() == 1 => {
            let v = eval(&args[0], scope)?;
            let n = match &v {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                _ => return Err(ExprError::Raised("len() of a value without length".into())),
            };
            Ok(Value::from(n))
        }
        Expr::Attr(target, method) if method == "get" && (1..=2).contains(&args.len()) => {
            let target = eval(target, scope)?;
            let key = eval(&args[0], scope)?;
            let default = match args.get(1) {
                Some(d) => eval(d, scope)?,
                None => Value::Null,
            };
            Ok(match (&target, key.as_str()) {
                (Value::Object(o), Some(k)) => o.get(k).cloned().unwrap_or(default),
                _ => default,
            })
        }
        Expr::Attr(target, method) if method == "has_key" && args.len() == 1 => {
            let target = eval(target, scope)?;
            let key = eval(&args[0], scope)?;
            Ok(Value::Bool(match (&target, key.as_str()) {
                (Value::Object(o), Some(k)) => o.contains_key(k),
                _ => false,
            }))
        }
        _ => {
            let Names { mut free, keys } = names(f);
            free.extend(keys);
            Err(ExprError::Unsupported(format!("the call {}()", free.join("."))))
        }
    }
}

fn index(target: &Value, key: &Value) -> Result<Value, ExprError> {
    match (target, key) {
        (Value::Object(o), Value::String(k)) => o
            .get(k)
            .cloned()
            .ok_or_else(|| ExprError::Raised(format!("KeyError: {k}"))),
        (Value::Array(a), Value::Number(n)) => {
            let i = n.as_i64().unwrap_or(i64::MAX);
            let len = a.len() as i64;
            let at = if i < 0 { len + i } else { i };
            usize::try_from(at)
                .ok()
                .and_then(|at| a.get(at))
                .cloned()
                .ok_or_else(|| ExprError::Raised(format!("IndexError: {i}")))
        }
        (Value::String(s), Value::Number(n)) => {
            let i = usize::try_from(n.as_i64().unwrap_or(-1)).map_err(|_| ExprError::Raised("IndexError".into()))?;
            s.chars()
                .nth(i)
                .map(|c| Value::String(c.to_string()))
                .ok_or_else(|| ExprError::Raised(format!("IndexError: {i}")))
        }
        _ => Err(ExprError::Raised(format!("cannot index {target} with {key}"))),
    }
}

/// Python's truth value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn compare(a: &Value, op: Op, b: &Value) -> Result<bool, ExprError> {
    Ok(match op {
        Op::Eq => same(a, b),
        Op::Ne => !same(a, b),
        // `is` in these cases only ever compares with None, True or False.
        Op::Is => a == b,
        Op::IsNot => a != b,
        Op::In => contains(b, a)?,
        Op::NotIn => !contains(b, a)?,
        Op::Lt | Op::Gt | Op::Le | Op::Ge => {
            let ordering = match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()),
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => None,
            }
            .ok_or_else(|| ExprError::Raised(format!("cannot order {a} and {b}")))?;
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Gt => ordering.is_gt(),
                Op::Le => ordering.is_le(),
                _ => ordering.is_ge(),
            }
        }
    })
}

/// Python's `==`, except that two strings holding markup are equal when
/// they are the same HTML (feedparser writes `<br />` and `&#38;`, our
/// serializer `<br>` and `&amp;`: the expectation is about the markup). The
/// `rel` our sanitizer puts on every link it lets through is policy, not the
/// feed's content, and is not compared. Two web addresses are equal when
/// the URL Standard reads them as one (a host's case, IDNA: `item.TEST`
/// is `item.test`, `www.詹姆斯.com` is `www.xn--8ws00zhy3a.com`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if x != y && (x.contains('<') || y.contains('<')) => {
            let markup = |s: &str| tracewire_extract::canonical_html(s).replace(OUR_LINK_REL, "");
            markup(x) == markup(y)
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let web = |s: &str| {
                url::Url::parse(s)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
            };
            matches!((web(x), web(y)), (Some(u), Some(v)) if u == v)
        }
        _ => a == b,
    }
}

/// The attribute `tracewire_extract::sanitize_html` adds to links, as the
/// canonical serialization writes it.
const OUR_LINK_REL: &str = " rel=\"noopener noreferrer nofollow\"";

fn contains(container: &Value, item: &Value) -> Result<bool, ExprError> {
    match (container, item) {
        (Value::String(s), Value::String(sub)) => Ok(s.contains(sub.as_str())),
        (Value::Array(a), _) => Ok(a.contains(item)),
        (Value::Object(o), Value::String(k)) => Ok(o.contains_key(k)),
        _ => Err(ExprError::Raised(format!("cannot look for {item} in {container}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn check(src: &str, scope: &Value) -> Result<bool, ExprError> {
        Ok(truthy(&eval(&parse(src)?, scope)?))
    }

    #[test]
    fn the_forms_the_cases_use() {
        let scope = json!({
            "bozo": false,
            "feed": {"title": "Caf\u{e9} <b>x</b>", "tags": [{"term": "Tech"}], "itunes_explicit": null},
            "entries": [{"published_parsed": [2010, 1, 1, 19, 48, 21, 4, 1, 0], "content": [{"value": "v"}]}],
            "version": "rss20"
        });
        for (src, want) in [
            ("not bozo and feed['title'] == u'Caf\\xe9 <b>x</b>'", true),
            ("not bozo and feed.title == 'Caf\\u00e9 <b>x</b>'", true),
            ("feed['tags'][0]['term'] == 'Tech'", true),
            ("feed['itunes_explicit'] is None", true),
            (
                "entries[0]['published_parsed'] == (2010, 1, 1, 19, 48, 21, 4, 1, 0)",
                true,
            ),
            ("entries[0]['content'][0]['value'] == \"v\"", true),
            ("len(entries) == 1 and version == 'rss20'", true),
            ("len([1, 'a', ()]) == 3 and len([]) == 0", true),
            ("'title' in feed and 'x' not in feed", true),
            ("feed.get('missing') is None and feed.has_key('title')", true),
            ("bozo or feed['title'] == 'no'", false),
            ("entries[-1]['content'][0]['value'] != 'v'", false),
            ("'<img src=\"a.jpg\" />' == \"<img src='a.jpg'>\"", true),
            ("'<b>&#38;</b>' == '<b>&amp;</b>'", true),
            ("'<b>&lt;i&gt;</b>' == '<b><i></i></b>'", false),
            ("'<span a=\"\"></span>' == ''", false),
            (
                "'<a href=\"http://x/\" rel=\"noopener noreferrer nofollow\">x</a>' == '<a href=\"http://x/\">x</a>'",
                true,
            ),
            (
                "'<a href=\"http://x/\" rel=\"nofollow\">x</a>' == '<a href=\"http://x/\">x</a>'",
                false,
            ),
        ] {
            assert_eq!(check(src, &scope), Ok(want), "{src}");
        }
        assert!(matches!(check("feed['nope'] == 1", &scope), Err(ExprError::Raised(_))));
        assert!(matches!(check("entries[3]", &scope), Err(ExprError::Raised(_))));
        assert!(matches!(
            check("executeMe(feed)", &scope),
            Err(ExprError::Unsupported(_))
        ));
        assert!(matches!(
            check("headers['x'] == 1", &scope),
            Err(ExprError::Unsupported(_))
        ));
        assert!(matches!(parse("feed['a'"), Err(ExprError::Syntax(_))));
    }

    #[test]
    fn triple_quotes_chains_and_concatenation() {
        let scope = json!({"entries": [{"id": "x"}, {"id": "x"}], "feed": {"title": "it's \"q\""}});
        for (src, want) in [
            ("feed['title'] == '''it's \"q\"'''", true),
            ("feed['title'] != \"\"\"it's\"\"\"", true),
            ("entries[0]['id'] == entries[1]['id'] == 'x'", true),
            ("entries[0]['id'] == entries[1]['id'] == 'y'", false),
            ("feed['title'] == 'it' + \"'s\" + ' \"q\"'", true),
        ] {
            assert_eq!(check(src, &scope), Ok(want), "{src}");
        }
    }

    #[test]
    fn expected_html_passes_through_our_sanitizer() {
        let scope = json!({"entries": [{
            "summary": "<b>bold</b>",
            "summary_detail": {"type": "text/html", "base": "http://x.example/", "value": "<b>bold</b>"},
            "title": "<b>bold</b>",
            "title_detail": {"type": "text/plain", "base": "http://x.example/", "value": "<b>bold</b>"},
            "content": [{"type": "text/html", "base": "http://x.example/", "value": "<a href=\"http://x.example/a\" rel=\"noopener noreferrer nofollow\">a</a>"}],
        }], "encoding": "windows-1252"});
        for (src, want) in [
            // They keep <span> and style; we remove them and keep the text.
            (
                "entries[0]['summary'] == '<span style=\"color: red\"><b>bold</b></span>'",
                true,
            ),
            (
                "entries[0]['summary_detail']['value'] == '<b>bold</b><script>x()</script>'",
                true,
            ),
            // Text lost, or something kept that they removed, still fails.
            ("entries[0]['summary'] == '<b>bold</b> more'", false),
            (
                "entries[0]['summary'] == '<b>bold</b>' and entries[0]['summary'] != '<i>bold</i>'",
                true,
            ),
            // Plain text is compared as it is.
            ("entries[0]['title'] == '<span><b>bold</b></span>'", false),
            ("entries[0]['content'][0]['value'] == '<a href=\"a\">a</a>'", true),
            ("encoding == 'iso-8859-1' and encoding == 'us-ascii'", true),
            ("encoding == 'utf-8'", false),
        ] {
            assert_eq!(check(src, &scope), Ok(want), "{src}");
        }
    }

    #[test]
    fn names_say_what_an_expectation_is_about() {
        let n = names(&parse("not bozo and entries[0]['source']['links'][0].rel == 'x'").unwrap());
        assert_eq!(n.free, ["bozo", "entries"]);
        assert_eq!(n.keys, ["source", "links", "rel"]);
    }
}
