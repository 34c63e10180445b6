//! Compression of whole answers: a body whose size is known and at most
//! [`MAX_IN_PLACE_BYTES`] is compressed at once on the request's worker and sent with its
//! `Content-Length`, as one write.
//!
//! actix-web's `Compress` middleware, which stays outside this one for every other answer
//! (streams, and bodies larger than the bound), encodes a body of 1 KiB or more on the blocking
//! thread pool and sends it chunked: two thread switches and three writes for every compressed
//! page. Answers this middleware has compressed carry `Content-Encoding`, which `Compress` leaves
//! alone. Codings, negotiation and levels are `Compress`'s own (brotli quality 3, gzip level 1;
//! `Accept-Encoding` with q-values), so a client gets the same bytes either way.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use std::io::Write;

/// The largest body compressed on the worker (a REST page of a few hundred items); larger
/// bodies are left to `Compress`, which encodes them on the blocking pool.
pub const MAX_IN_PLACE_BYTES: u64 = 256 * 1024;

/// The codings offered, in the server's order of preference for equal q-values.
const OFFERED: [Encoding; 3] = [
    Encoding::Known(ContentEncoding::Brotli),
    Encoding::Known(ContentEncoding::Gzip),
    Encoding::Known(ContentEncoding::Identity),
];

/// The coding to compress an answer with, from the request's `Accept-Encoding`: `None` for
/// identity, no header, or a header `Compress` will answer itself.
fn negotiate(req: &ServiceRequest) -> Option<ContentEncoding> {
    let accepted = req.get_header::<AcceptEncoding>()?;
    match accepted.negotiate(OFFERED.iter())? {
        Encoding::Known(coding @ (ContentEncoding::Brotli | ContentEncoding::Gzip)) => Some(coding),
        _ => None,
    }
}

/// Whether a content type is worth compressing (as `Compress` decides: not images but SVG, not
/// video, not what is compressed already).
fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(kind) = content_type.and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let essence = kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if let Some(image) = essence.strip_prefix("image/") {
        return image == "svg+xml";
    }
    !(essence.starts_with("video/") || essence == "application/gzip" || essence == "application/zip")
}

/// `bytes` compressed with `coding` (brotli or gzip).
pub fn compress(coding: ContentEncoding, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let out = Vec::with_capacity(bytes.len() / 4 + 64);
    match coding {
        ContentEncoding::Brotli => {
            let mut writer = brotli::CompressorWriter::new(out, 32 * 1024, 3, 22);
            writer.write_all(bytes)?;
            writer.flush()?;
            Ok(writer.into_inner())
        }
        ContentEncoding::Gzip => {
            let mut writer = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            writer.write_all(bytes)?;
            writer.finish()
        }
        other => Err(std::io::Error::other(format!("{other:?} is not compressed here"))),
    }
}

/// The middleware (see the module documentation).
pub async fn whole_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let coding = negotiate(&req);
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(coding) = coding else {
        return Ok(res);
    };
    let size = match res.response().body().size() {
        BodySize::Sized(size) => size,
        _ => return Ok(res),
    };
    let status = res.status();
    if size == 0
        || size > MAX_IN_PLACE_BYTES
        || matches!(
            status,
            StatusCode::SWITCHING_PROTOCOLS | StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT
        )
        || res.headers().contains_key(header::CONTENT_ENCODING)
        || !compressible(res.headers().get(header::CONTENT_TYPE))
    {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => return Ok(ServiceResponse::new(req, head.set_body(body))),
    };
    let compressed = compress(coding, &bytes)?;
    let headers = head.headers_mut();
    headers.insert(header::CONTENT_ENCODING, coding.to_header_value());
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(compressed))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::io::Read;

    fn coding(accept: Option<&str>) -> Option<ContentEncoding> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT_ENCODING, accept));
        }
        negotiate(&req.to_srv_request())
    }

    #[test]
    fn the_client_chooses_the_coding() {
        assert_eq!(coding(None), None);
        assert_eq!(coding(Some("identity")), None);
        assert_eq!(coding(Some("gzip")), Some(ContentEncoding::Gzip));
        assert_eq!(coding(Some("gzip, deflate, br")), Some(ContentEncoding::Brotli));
        assert_eq!(coding(Some("br;q=0.5, gzip")), Some(ContentEncoding::Gzip));
        assert_eq!(coding(Some("gzip;q=0, br;q=0")), None);
        assert_eq!(coding(Some("zstd")), None);
        // A wildcard negotiates identity here; whatever `Compress` makes of it, it answers alone.
        assert_eq!(coding(Some("*")), None);
    }

    #[test]
    fn only_what_gains_is_compressed() {
        let value = |s: &'static str| HeaderValue::from_static(s);
        for kind in [
            "application/json",
            "application/geo+json",
            "text/csv; charset=utf-8",
            "image/svg+xml",
        ] {
            assert!(compressible(Some(&value(kind))), "{kind}");
        }
        for kind in ["image/png", "video/mp4", "application/gzip"] {
            assert!(!compressible(Some(&value(kind))), "{kind}");
        }
    }

    #[test]
    fn both_codings_round_trip() {
        let text = "{\"name\":\"Frökens udde\"},".repeat(400);
        let gzip = compress(ContentEncoding::Gzip, text.as_bytes()).unwrap();
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        let br = compress(ContentEncoding::Brotli, text.as_bytes()).unwrap();
        let mut back = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert!(gzip.len() < text.len() / 10 && br.len() < text.len() / 10);
    }
}
