//! Strict JSON (RFC 8259) for JWS headers and JWT claims, without serde.
//!
//! [`for_each_member`] reads a text that must be exactly one JSON object and
//! hands each top-level member to the caller: its decoded name, the kind of
//! its value and the value's text. Nothing is built beyond the current
//! member's name: the caller picks the few members it reads (`alg`, `crit`,
//! `b64`, `exp`, `nbf`) and the shim parses the text again with
//! `JSON.parse` for the caller of `verifyJwt`.
//!
//! The grammar is serde_json's (the reader this replaced, for the `jwt`
//! module's size): RFC 8259 exactly, whitespace is space, tab, LF and CR
//! only, no trailing commas, comments, `NaN`, leading zeros or leading `+`,
//! no control characters in strings, only the eight short escapes and
//! `\uXXXX`, nothing but whitespace after the object. One reading is
//! stricter than the old one: a `\u` escape of a lone surrogate is refused
//! everywhere (serde_json refused it only in strings it decoded, the
//! top-level names and `alg`; I-JSON, RFC 7493 §2.1, and the broker's `Sign`
//! refuse it too). Nesting has no limit besides the token's length (the old
//! reader had none either, and `JSON.parse` reads any depth): the reader
//! keeps one byte per open container on the heap and never recurses.

/// The kind of a member's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A string (the value text includes the quotes).
    String,
    /// A number (RFC 8259 §6 grammar; not range-checked here).
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// An object.
    Object,
    /// An array.
    Array,
}

/// Why a text was refused: not one JSON object, or the caller's refusal.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused<E> {
    /// The text is not exactly one JSON object.
    NotAnObject,
    /// The text is an object but not valid JSON.
    NotJson,
    /// The caller's callback refused a member.
    Member(E),
}

/// Reads `text` as exactly one JSON object and calls `member(name, kind,
/// value_text)` for each top-level member in order, `name` decoded (escapes
/// resolved). Stops at the first refusal.
///
/// # Errors
/// [`Refused::NotAnObject`] if the first non-whitespace character is not
/// `{`, [`Refused::NotJson`] for any other deviation from the grammar above,
/// [`Refused::Member`] with the callback's error.
pub(super) fn for_each_member<'t, E>(
    text: &'t str,
    mut member: impl FnMut(&str, Kind, &'t str) -> Result<(), E>,
) -> Result<(), Refused<E>> {
    let mut r = Reader { text, i: 0 };
    r.ws();
    if !r.eat(b'{') {
        return Err(Refused::NotAnObject);
    }
    let mut name = String::new();
    r.ws();
    if !r.eat(b'}') {
        loop {
            r.ws();
            name.clear();
            r.string(Some(&mut name)).ok_or(Refused::NotJson)?;
            r.ws();
            if !r.eat(b':') {
                return Err(Refused::NotJson);
            }
            r.ws();
            let start = r.i;
            let kind = r.value().ok_or(Refused::NotJson)?;
            let value = text.get(start..r.i).ok_or(Refused::NotJson)?;
            member(&name, kind, value).map_err(Refused::Member)?;
            r.ws();
            if r.eat(b',') {
                continue;
            }
            if r.eat(b'}') {
                break;
            }
            return Err(Refused::NotJson);
        }
    }
    r.ws();
    if r.i == text.len() {
        Ok(())
    } else {
        Err(Refused::NotJson)
    }
}

/// Decodes the JSON string `text` (with its quotes, as [`for_each_member`]
/// hands it out): `None` if it is not exactly one JSON string.
pub(super) fn string_value(text: &str) -> Option<String> {
    let mut r = Reader { text, i: 0 };
    let mut out = String::new();
    r.string(Some(&mut out))?;
    (r.i == text.len()).then_some(out)
}

/// The value of the JSON number `text` as an `f64`, for `exp` and `nbf`;
/// `None` if `text` is not exactly one JSON number or its magnitude is
/// 1e308 or more (serde_json refused what an `f64` cannot hold; this refuses
/// a little earlier, by the position of the leading digit, so never later).
///
/// Correctly rounded when the significant digits fit 2^53 and the decimal
/// exponent left after them is within ±22 (every integer NumericDate up to
/// 2^53, fractions to 15 digits); otherwise within 1e-14 of it (relative;
/// 1e-300 absolute near zero): 19 digits kept, then steps of exact powers of
/// ten. Not core's `str::parse`, whose tables cost the `jwt` module 16 KB
/// gzip of its 35 KB.
pub(super) fn number_value(text: &str) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let pow10 = |s: i64| {
        usize::try_from(s)
            .ok()
            .and_then(|s| POW10.get(s))
            .copied()
            .unwrap_or(1.0)
    };
    let mut r = Reader { text, i: 0 };
    r.number()?;
    if r.i != text.len() {
        return None;
    }
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp_text) = body.split_once(['e', 'E']).unwrap_or((body, ""));
    // The exponent, saturated far beyond any f64 (the grammar is checked).
    let mut exp: i64 = 0;
    for c in exp_text.bytes().filter(u8::is_ascii_digit) {
        exp = (exp * 10 + i64::from(c - b'0')).min(1_000_000);
    }
    if exp_text.starts_with('-') {
        exp = -exp;
    }
    // value = m × 10^exp, m the digits without the point and leading zeros,
    // the first 19 kept (the rest only move the exponent).
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    exp -= i64::try_from(frac.len()).ok()?;
    let (mut m, mut kept) = (0u64, 0i64);
    for c in int.bytes().chain(frac.bytes()) {
        let d = u64::from(c - b'0');
        if m == 0 && d == 0 {
            continue;
        }
        if kept < 19 {
            m = m * 10 + d;
            kept += 1;
        } else {
            exp += 1;
        }
    }
    if m == 0 {
        return Some(if neg { -0.0 } else { 0.0 });
    }
    if kept - 1 + exp >= 308 {
        return None;
    }
    let mut v = m as f64;
    while exp > 0 {
        let s = exp.min(22);
        v *= pow10(s);
        exp -= s;
    }
    while exp < 0 && v != 0.0 {
        let s = (-exp).min(22);
        v /= pow10(s);
        exp += s;
    }
    Some(if neg { -v } else { v })
}

struct Reader<'t> {
    text: &'t str,
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.text.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.i.checked_add(4)?;
        let hex = self.text.get(self.i..end)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.i = end;
        u32::from_str_radix(hex, 16).ok()
    }

    /// A string at the current position, decoded into `out` if given.
    fn string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        if !self.eat(b'"') {
            return None;
        }
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.escaped_char()?,
                        _ => return None,
                    };
                    if let Some(o) = out.as_deref_mut() {
                        o.push(c);
                    }
                }
                0x00..=0x1f => return None,
                _ => {
                    // A run of plain characters: it starts and ends at an
                    // ASCII byte or the end, so on character boundaries.
                    let start = self.i;
                    self.i += 1;
                    while self
                        .peek()
                        .is_some_and(|c| c != b'"' && c != b'\\' && c >= 0x20)
                    {
                        self.i += 1;
                    }
                    let run = self.text.get(start..self.i)?;
                    if let Some(o) = out.as_deref_mut() {
                        o.push_str(run);
                    }
                }
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), a surrogate pair
    /// joined; `None` for a lone surrogate.
    fn escaped_char(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if !(0xD800..0xDC00).contains(&hi) {
            return char::from_u32(hi); // None for a lone trailing surrogate
        }
        if !(self.eat(b'\\') && self.eat(b'u')) {
            return None;
        }
        let lo = self.hex4()?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    }

    /// One complete value at the current position (whitespace skipped
    /// before it). Iterative: `open` holds the containers not yet closed.
    fn value(&mut self) -> Option<Kind> {
        let kind = match self.peek()? {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            _ => Kind::Number,
        };
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value is expected here.
            self.ws();
            match self.peek()? {
                b'{' => {
                    self.i += 1;
                    self.ws();
                    if !self.eat(b'}') {
                        open.push(b'}');
                        self.key()?;
                        continue;
                    }
                }
                b'[' => {
                    self.i += 1;
                    self.ws();
                    if !self.eat(b']') {
                        open.push(b']');
                        continue;
                    }
                }
                b'"' => self.string(None)?,
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                _ => self.number()?,
            }
            // A value is complete: close containers until one goes on.
            loop {
                let Some(&close) = open.last() else {
                    return Some(kind);
                };
                self.ws();
                if self.eat(b',') {
                    if close == b'}' {
                        self.ws();
                        self.key()?;
                    }
                    break;
                }
                if !self.eat(close) {
                    return None;
                }
                open.pop();
            }
        }
    }

    /// A member name and its colon.
    fn key(&mut self) -> Option<()> {
        self.string(None)?;
        self.ws();
        self.eat(b':').then_some(())
    }
}

#[cfg(test)]
mod tests;
