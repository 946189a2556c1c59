//! The reader against serde_json (the reader it replaced, a dev-dependency
//! now): every text either both accept with the same members, or both
//! refuse; the one intended difference (lone surrogate escapes) is checked
//! on its own.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::{Kind, Refused, for_each_member, number_value, string_value};

type Members = Vec<(String, Kind, String)>;

fn ours(text: &str) -> Result<Members, Refused<()>> {
    let mut v = Vec::new();
    for_each_member(text, |n, k, t| {
        v.push((n.to_owned(), k, t.to_owned()));
        Ok::<(), ()>(())
    })?;
    Ok(v)
}

/// serde_json's reading, as the old reader used it: the text is one object
/// (its `starts_with('{')` and `IgnoredAny`), with the one intended
/// difference (no lone surrogate escape). `Some(None)`: accepted, but
/// `Value` cannot hold it (a number beyond f64, which `IgnoredAny` skipped).
fn theirs(text: &str) -> Option<Option<serde_json::Map<String, serde_json::Value>>> {
    if !text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return None;
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() || lone_surrogate(text) {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => Some(Some(m)),
        Ok(_) => panic!("IgnoredAny read an object, Value something else: {text:?}"),
        Err(_) => Some(None),
    }
}

/// Whether a text serde_json accepted has a `\u` escape of a lone
/// surrogate. In valid JSON every backslash starts an escape inside a
/// string, so escapes read left to right without tracking strings.
fn lone_surrogate(text: &str) -> bool {
    let b = text.as_bytes();
    let hex = |i: usize| {
        b.get(i..i + 4)
            .and_then(|h| u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b[i + 1] != b'u' {
            i += 2;
            continue;
        }
        let u = hex(i + 2).unwrap();
        i += 6;
        if (0xDC00..0xE000).contains(&u) {
            return true;
        }
        if (0xD800..0xDC00).contains(&u) {
            let pair = b.get(i..i + 2) == Some(b"\\u")
                && hex(i + 2).is_some_and(|lo| (0xDC00..0xE000).contains(&lo));
            if !pair {
                return true;
            }
            i += 6;
        }
    }
    false
}

fn kind_of(v: &serde_json::Value) -> Kind {
    use serde_json::Value as V;
    match v {
        V::Null => Kind::Null,
        V::Bool(_) => Kind::Bool,
        V::Number(_) => Kind::Number,
        V::String(_) => Kind::String,
        V::Array(_) => Kind::Array,
        V::Object(_) => Kind::Object,
    }
}

/// Both readers agree on `text`: same acceptance; if accepted, the members
/// (last one wins, as in serde_json's map) parse to the same values.
fn agree(text: &str) {
    let a = ours(text);
    let b = theirs(text);
    match (&a, &b) {
        (Ok(_), Some(None)) => {}
        (Ok(members), Some(Some(map))) => {
            let mut last = serde_json::Map::new();
            for (name, kind, value) in members {
                let v: serde_json::Value = serde_json::from_str(value)
                    .unwrap_or_else(|e| panic!("member text {value:?} of {text:?}: {e}"));
                assert_eq!(*kind, kind_of(&v), "kind of {value:?} in {text:?}");
                if *kind == Kind::String {
                    assert_eq!(string_value(value).as_deref(), v.as_str(), "{value:?}");
                }
                last.insert(name.clone(), v);
            }
            assert_eq!(&last, map, "members of {text:?}");
        }
        (Err(_), None) => {}
        _ => panic!(
            "readers disagree on {text:?}: ours {:?}, serde_json {}",
            a.map(|m| m.len()),
            if b.is_some() { "accepts" } else { "refuses" }
        ),
    }
}

#[test]
fn fixed_cases() {
    let cases = [
        "{}",
        " \t\r\n{ } \n",
        r#"{"alg":"ES256"}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"al\u0067":"x","alg":"y"}"#,
        r#"{"a":[1,2,{"b":[]}],"c":{"d":{"e":null}}}"#,
        r#"{"n":-0,"m":0.5e-3,"o":1E+400,"p":123456789012345678901234567890}"#,
        r#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 é 😀"}"#,
        r#"{"a":true,"b":false,"c":null}"#,
        "{\"\":\"\u{7f}\"}",
        // refused by both
        "",
        " ",
        "[]",
        "[{}]",
        "1",
        "\"{}\"",
        "{",
        "}",
        "{,}",
        r#"{"a"}"#,
        r#"{"a":}"#,
        r#"{"a":1,}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":[,1]}"#,
        r#"{"a":{"b":1,}}"#,
        r#"{"a":{"b"}}"#,
        r#"{a:1}"#,
        r#"{'a':1}"#,
        r#"{"a":01}"#,
        r#"{"a":-}"#,
        r#"{"a":+1}"#,
        r#"{"a":1.}"#,
        r#"{"a":.5}"#,
        r#"{"a":1e}"#,
        r#"{"a":1e+}"#,
        r#"{"a":NaN}"#,
        r#"{"a":Infinity}"#,
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"a":truex}"#,
        r#"{"a":"\x"}"#,
        r#"{"a":"\u12"}"#,
        r#"{"a":"\u12g4"}"#,
        "{\"a\":\"\t\"}",
        "{\"a\":\"\u{0}\"}",
        "{\"a\":\"\n\"}",
        r#"{"a":"unterminated}"#,
        r#"{"a":1}{"#,
        r#"{"a":1} x"#,
        r#"{"a":1}/**/"#,
        "{\"a\":1}\u{a0}",
        "\u{a0}{}",
        "\u{feff}{}",
        r#"{"a":[1 2]}"#,
        r#"{"a":[1}"#,
        r#"{"a":{]}"#,
        r#"{"a":1}}"#,
    ];
    for c in cases {
        agree(c);
    }
}

/// The intended difference: serde_json ignored a lone surrogate escape in a
/// string it did not decode; this reader refuses it everywhere, as it
/// refused it in names and `alg`.
#[test]
fn lone_surrogates_are_refused_everywhere() {
    for s in [
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\udc00"}"#,
        r#"{"a":"\ud800\u0041"}"#,
        r#"{"a":"\ud800x"}"#,
        r#"{"a":["\udfff"]}"#,
        r#"{"a":{"\ud800":1}}"#,
        r#"{"\ud800":1}"#,
        r#"{"a":"\ud800\ud800"}"#,
    ] {
        assert_eq!(ours(s).map(|_| ()), Err(Refused::NotJson), "{s}");
        assert!(theirs(s).is_none(), "{s}");
    }
    assert!(serde_json::from_str::<serde::de::IgnoredAny>(r#"{"a":"\ud800"}"#).is_ok());
    assert_eq!(
        string_value(r#""\ud83d\ude00""#).as_deref(),
        Some("\u{1f600}")
    );
}

#[test]
fn deep_nesting_neither_recurses_nor_is_refused() {
    let n = 100_000;
    let text = format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
    assert_eq!(ours(&text).unwrap().len(), 1);
    let text = format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n - 1));
    assert!(ours(&text).is_err());
    // serde_json ignored values at any depth too.
    assert!(serde_json::from_str::<serde::de::IgnoredAny>(&text.replacen('1', "1]", 1)).is_ok());
}

/// A small deterministic generator of JSON objects (valid by construction)
/// and of mutations of them (mostly invalid), read by both.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn ws(&mut self, out: &mut String) {
        for _ in 0..self.below(3).saturating_sub(1) {
            out.push_str(self.pick(&[" ", "\t", "\n", "\r"]));
        }
    }
    fn string(&mut self, out: &mut String) {
        out.push('"');
        for _ in 0..self.below(6) {
            let piece = self.pick(&[
                "a",
                "alg",
                "exp",
                "é",
                "😀",
                "\\\"",
                "\\\\",
                "\\/",
                "\\b",
                "\\f",
                "\\n",
                "\\r",
                "\\t",
                "\\u0041",
                "\\u00E9",
                "\\ud83d\\ude00",
                "\\u0000",
                "\\uFFFF",
                " ",
                "\u{7f}",
                "'",
                "{",
                "]",
            ]);
            out.push_str(piece);
        }
        out.push('"');
    }
    fn number(&mut self, out: &mut String) {
        if self.below(3) == 0 {
            out.push('-');
        }
        if self.below(4) == 0 {
            out.push('0');
        } else {
            out.push_str(self.pick(&["1", "7", "9"]));
            for _ in 0..self.below(20) {
                out.push_str(self.pick(&["0", "3", "9"]));
            }
        }
        if self.below(3) == 0 {
            out.push('.');
            for _ in 0..=self.below(5) {
                out.push_str(self.pick(&["0", "5", "9"]));
            }
        }
        if self.below(3) == 0 {
            out.push_str(self.pick(&["e", "E", "e+", "E-", "e-"]));
            out.push_str(self.pick(&["0", "1", "12", "308", "309", "400", "0400"]));
        }
    }
    fn value(&mut self, out: &mut String, depth: usize) {
        self.ws(out);
        match self.below(if depth > 6 { 4 } else { 6 }) {
            0 => self.string(out),
            1 => self.number(out),
            2 => out.push_str(self.pick(&["true", "false", "null"])),
            3 => self.number(out),
            4 => {
                out.push('[');
                let n = self.below(4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, depth + 1);
                }
                self.ws(out);
                out.push(']');
            }
            _ => self.object(out, depth + 1),
        }
        self.ws(out);
    }
    fn object(&mut self, out: &mut String, depth: usize) {
        out.push('{');
        let n = self.below(5);
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            self.ws(out);
            self.string(out);
            self.ws(out);
            out.push(':');
            self.value(out, depth);
        }
        self.ws(out);
        out.push('}');
    }
    fn mutate(&mut self, text: &str) -> String {
        let mut b = text.as_bytes().to_vec();
        for _ in 0..=self.below(3) {
            let at = self.below(b.len() + 1);
            let byte = *[
                b'"', b'\\', b',', b':', b'{', b'}', b'[', b']', b'0', b'-', b'.', b'e', b'u',
                b' ', b'\n', 0, b'a', b'n',
            ]
            .get(self.below(18))
            .unwrap();
            match self.below(3) {
                0 if at < b.len() => {
                    b.remove(at);
                }
                1 if at < b.len() => b[at] = byte,
                _ => b.insert(at, byte),
            }
        }
        String::from_utf8(b).unwrap_or_default()
    }
}

#[test]
fn agrees_with_serde_json_on_generated_objects_and_their_mutations() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let mut text = String::new();
        g.ws(&mut text);
        g.object(&mut text, 0);
        g.ws(&mut text);
        agree(&text);
        let m = g.mutate(&text);
        agree(&m);
        if ours(&m).is_ok() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // Both halves of the comparison were exercised.
    assert!(
        accepted > 1_000 && refused > 1_000,
        "{accepted} / {refused}"
    );
}

/// `number_value` against core's correctly rounded `str::parse`: equal on
/// the fast path, within 1e-14 elsewhere, refused exactly from 1e308 on.
#[test]
fn number_value_against_core_parse() {
    let mut g = Gen(0x0123_4567_89ab_cdef);
    let mut fast = 0;
    let fixed = [
        "0",
        "-0",
        "1",
        "1300819380",
        "9007199254740992",
        "9007199254740993",
        "1.5",
        "0.1",
        "1733140000.1234567",
        "1e22",
        "1e23",
        "123456789012345678901234567890",
        "1e-400",
        "2.2250738585072014e-308",
        "4.9e-324",
        "1.7976931348623157e307",
        "9.99e307",
        "1e308",
        "1.7976931348623157e308",
        "0.000000000000000000000000001e335",
        "1E+2",
        "-12.5e-1",
    ];
    let mut texts: Vec<String> = fixed.iter().map(|s| (*s).to_owned()).collect();
    for _ in 0..50_000 {
        let mut t = String::new();
        g.number(&mut t);
        texts.push(t);
    }
    for t in &texts {
        let core: f64 = t.parse().unwrap();
        let (int, frac) = t
            .trim_start_matches('-')
            .split(['e', 'E'])
            .next()
            .unwrap()
            .split_once('.')
            .map_or(
                (
                    t.trim_start_matches('-').split(['e', 'E']).next().unwrap(),
                    "",
                ),
                |x| x,
            );
        let digits: String = int.chars().chain(frac.chars()).collect();
        let digits = digits.trim_start_matches('0');
        let e: i64 = t.split(['e', 'E']).nth(1).map_or(0, |e| e.parse().unwrap());
        let left = e - i64::try_from(frac.len()).unwrap();
        let lead =
            i64::try_from(digits.len()).unwrap() - 1 + e - i64::try_from(frac.len()).unwrap();
        match number_value(t) {
            None => assert!(!digits.is_empty() && lead >= 308, "{t} refused"),
            Some(v) => {
                assert!(digits.is_empty() || lead < 308, "{t} accepted");
                assert!(v.is_finite(), "{t}");
                let exact = digits.len() <= 15 && (-22..=22).contains(&left);
                if exact {
                    fast += 1;
                    assert_eq!(v.to_bits(), core.to_bits(), "{t}: {v} against {core}");
                } else {
                    let err = (v - core).abs();
                    assert!(
                        err <= core.abs() * 1e-14 || err <= 1e-300,
                        "{t}: {v} against {core}"
                    );
                }
            }
        }
    }
    assert!(fast > 10_000, "{fast}");
    for t in [
        "", "-", "01", "1.", ".5", "1e", "+1", "1 ", " 1", "NaN", "0x10", "1e5x",
    ] {
        assert_eq!(number_value(t), None, "{t:?}");
    }
}
