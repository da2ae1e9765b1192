//! `textencodebase64` and `textdecodebase64`: text in a named character encoding, as base64.
//! UTF-8 and the UTF-16 forms are computed; any other encoding gives an unknown value rather
//! than a guess.

use super::{base64_decode, base64_encode, Call, Fail, R};
use crate::terraform::value::Value;

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    /// `UTF-16`: big-endian with a byte order mark, which decoding honours.
    Utf16,
    Utf16Be,
    Utf16Le,
}

fn encoding(c: &Call, v: &Value) -> R<Encoding> {
    let name = c.text(v)?;
    Ok(match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => Encoding::Utf8,
        "UTF-16" | "UTF16" => Encoding::Utf16,
        "UTF-16BE" => Encoding::Utf16Be,
        "UTF-16LE" => Encoding::Utf16Le,
        _ => {
            return Err(Fail::Unknown(
                format!(
                    "`{}` with the encoding {name:?}, which is not supported here",
                    c.name
                )
                .into(),
            ))
        }
    })
}

pub(super) fn textencodebase64(c: &Call) -> R<Value> {
    let [text, enc] = c.exactly::<2>()?;
    let text = c.text(text)?;
    let bytes = match encoding(c, enc)? {
        Encoding::Utf8 => text.into_bytes(),
        Encoding::Utf16 => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        Encoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Encoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    };
    Ok(c.string(base64_encode(&bytes)))
}

pub(super) fn textdecodebase64(c: &Call) -> R<Value> {
    let [data, enc] = c.exactly::<2>()?;
    let data = c.text(data)?;
    let enc = encoding(c, enc)?;
    let Some(bytes) = base64_decode(&data) else {
        return Err(Fail::Error(format!(
            "the given value has an invalid base64 symbol: {data:?}"
        )));
    };
    let utf16 = |bytes: &[u8], big: bool| -> Option<String> {
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| {
                if big {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    let text = match enc {
        Encoding::Utf8 => String::from_utf8(bytes).ok(),
        Encoding::Utf16Be => utf16(&bytes, true),
        Encoding::Utf16Le => utf16(&bytes, false),
        Encoding::Utf16 => match bytes.as_slice() {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            rest => utf16(rest, true),
        },
    };
    // Terraform substitutes invalid sequences; which replacement it writes is not modelled
    match text {
        Some(t) => Ok(c.string(t)),
        None => Err(Fail::Unknown(
            "`textdecodebase64` of bytes that are not valid in the encoding".into(),
        )),
    }
}
