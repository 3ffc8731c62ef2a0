//! The body types the layers hand inward (requests) and outward (responses).
//!
//! * [`RequestBody<B>`]: what the inner service of
//!   [`VerifySignature`](crate::signature::VerifySignature) receives: the
//!   verified bytes, or the original body of an unsigned request passed
//!   through in optional mode.
//! * [`ResponseBody<B>`]: what both layers answer with: the inner body or a
//!   rejection envelope.
//!
//! ```
//! use std::convert::Infallible;
//! use http::{Request, Response};
//! use http_body_util::BodyExt;
//! use triggers_tower::body::{RequestBody, ResponseBody};
//!
//! // An inner service, written against the request body type of the layer.
//! async fn inner(request: Request<RequestBody<String>>) -> Result<Response<String>, Infallible> {
//!     let bytes = request.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
//!     Ok(Response::new(format!("{} bytes", bytes.len())))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let response = inner(Request::new(RequestBody::from_bytes("abc"))).await?;
//! let wrapped: Response<ResponseBody<String>> = response.map(ResponseBody::new);
//! assert_eq!(wrapped.into_body().collect().await?.to_bytes(), "3 bytes");
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use pin_project_lite::pin_project;

use crate::Rejection;

pin_project! {
    /// The request body [`VerifySignature`](crate::signature::VerifySignature)
    /// hands to the inner service.
    ///
    /// For a verified request it holds exactly the bytes that were hashed and
    /// verified (and any trailers); for an unsigned request passed through in
    /// [`Mode::Optional`](crate::signature::Mode::Optional) it streams the
    /// original body untouched. Its data type is always [`Bytes`], so axum's
    /// `Router` accepts it and every axum extractor (`Bytes`, `Json`, ...)
    /// works.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http_body_util::{BodyExt, Empty};
    /// use triggers_tower::body::RequestBody;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let body: RequestBody<Empty<Bytes>> = RequestBody::from_bytes(r#"{"a":1}"#);
    /// assert_eq!(body.buffered_bytes().map(|b| &b[..]), Some(&br#"{"a":1}"#[..]));
    /// assert_eq!(body.collect().await?.to_bytes(), r#"{"a":1}"#);
    /// # Ok(())
    /// # }
    /// ```
    pub struct RequestBody<B> {
        #[pin]
        kind: RequestKind<B>,
    }
}

pin_project! {
    #[project = RequestKindProj]
    enum RequestKind<B> {
        Buffered {
            data: Option<Bytes>,
            trailers: Option<HeaderMap>,
        },
        Streaming {
            #[pin]
            body: B,
        },
    }
}

impl<B> RequestBody<B> {
    /// A body that streams `body` through unchanged.
    ///
    /// ```
    /// use http_body_util::Full;
    /// use triggers_tower::body::RequestBody;
    /// let body = RequestBody::new(Full::new(bytes::Bytes::from_static(b"x")));
    /// assert!(!body.is_buffered());
    /// ```
    pub fn new(body: B) -> Self {
        RequestBody {
            kind: RequestKind::Streaming { body },
        }
    }

    /// A body that yields these bytes (handy to unit-test an inner service).
    ///
    /// ```
    /// use http_body_util::Empty;
    /// use triggers_tower::body::RequestBody;
    /// let body: RequestBody<Empty<bytes::Bytes>> = RequestBody::from_bytes("hello");
    /// assert!(body.is_buffered());
    /// ```
    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        Self::buffered(data.into(), None)
    }

    pub(crate) fn buffered(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        RequestBody {
            kind: RequestKind::Buffered {
                data: (!data.is_empty()).then_some(data),
                trailers,
            },
        }
    }

    /// True when the body was buffered (a verified request), false when it
    /// streams the original body (an unsigned request in optional mode).
    ///
    /// ```
    /// use http_body_util::Empty;
    /// use triggers_tower::body::RequestBody;
    /// assert!(RequestBody::<Empty<bytes::Bytes>>::from_bytes("x").is_buffered());
    /// assert!(!RequestBody::new(Empty::<bytes::Bytes>::new()).is_buffered());
    /// ```
    pub fn is_buffered(&self) -> bool {
        matches!(self.kind, RequestKind::Buffered { .. })
    }

    /// The buffered bytes not yet polled out of the body, if it is buffered.
    /// An empty buffered body gives `Some` of an empty slice until polled.
    ///
    /// ```
    /// use http_body_util::Empty;
    /// use triggers_tower::body::RequestBody;
    /// let body: RequestBody<Empty<bytes::Bytes>> = RequestBody::from_bytes("abc");
    /// assert_eq!(body.buffered_bytes().map(|b| b.len()), Some(3));
    /// ```
    pub fn buffered_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            RequestKind::Buffered { data, .. } => Some(data.as_deref().unwrap_or_default()),
            RequestKind::Streaming { .. } => None,
        }
    }
}

impl<B> Body for RequestBody<B>
where
    B: Body,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            RequestKindProj::Buffered { data, trailers } => {
                if let Some(data) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(trailers.take().map(|t| Ok(Frame::trailers(t))))
            }
            RequestKindProj::Streaming { body } => body.poll_frame(cx).map(|frame| {
                frame.map(|frame| frame.map(|f| f.map_data(|mut d| d.copy_to_bytes(d.remaining()))))
            }),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            RequestKind::Buffered { data, trailers } => data.is_none() && trailers.is_none(),
            RequestKind::Streaming { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            RequestKind::Buffered { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            RequestKind::Streaming { body } => body.size_hint(),
        }
    }
}

impl<B> std::fmt::Debug for RequestBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            RequestKind::Buffered { data, .. } => f
                .debug_struct("RequestBody::Buffered")
                .field("len", &data.as_ref().map_or(0, Bytes::len))
                .finish(),
            RequestKind::Streaming { .. } => f.write_str("RequestBody::Streaming"),
        }
    }
}

pin_project! {
    /// The response body of both layers: the inner service's body, or the
    /// JSON envelope of a [`Rejection`].
    ///
    /// Its data type is [`Bytes`] and its error the inner body's error (a
    /// rejection body never fails), so axum and hyper accept it as is.
    ///
    /// ```
    /// use http_body_util::BodyExt;
    /// use triggers_tower::{body::ResponseBody, Rejection};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let inner = ResponseBody::new(String::from("ok"));
    /// assert!(!inner.is_rejection());
    /// assert_eq!(inner.collect().await?.to_bytes(), "ok");
    ///
    /// let rejected = ResponseBody::<String>::rejection(&Rejection::from(triggers_signing::Error::Mismatch));
    /// assert!(rejected.is_rejection());
    /// # Ok(())
    /// # }
    /// ```
    pub struct ResponseBody<B> {
        #[pin]
        kind: ResponseKind<B>,
    }
}

pin_project! {
    #[project = ResponseKindProj]
    enum ResponseKind<B> {
        Inner {
            #[pin]
            body: B,
        },
        Rejection {
            #[pin]
            body: Full<Bytes>,
        },
    }
}

impl<B> ResponseBody<B> {
    /// Wraps the inner service's body.
    ///
    /// ```
    /// let body = triggers_tower::body::ResponseBody::new(String::from("ok"));
    /// assert!(!body.is_rejection());
    /// ```
    pub fn new(body: B) -> Self {
        ResponseBody {
            kind: ResponseKind::Inner { body },
        }
    }

    /// The JSON envelope of a rejection.
    ///
    /// ```
    /// use triggers_tower::{body::ResponseBody, Rejection};
    /// let body = ResponseBody::<String>::rejection(&Rejection::from(triggers_signing::Error::Mismatch));
    /// assert!(body.is_rejection());
    /// ```
    pub fn rejection(rejection: &Rejection) -> Self {
        ResponseBody {
            kind: ResponseKind::Rejection {
                body: Full::new(Bytes::from(rejection.to_json())),
            },
        }
    }

    /// True when this body is a rejection envelope.
    ///
    /// ```
    /// assert!(!triggers_tower::body::ResponseBody::new(String::new()).is_rejection());
    /// ```
    pub fn is_rejection(&self) -> bool {
        matches!(self.kind, ResponseKind::Rejection { .. })
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            ResponseKindProj::Inner { body } => body.poll_frame(cx),
            ResponseKindProj::Rejection { body } => body
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(|never: Infallible| match never {}))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            ResponseKind::Inner { body } => body.is_end_stream(),
            ResponseKind::Rejection { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            ResponseKind::Inner { body } => body.size_hint(),
            ResponseKind::Rejection { body } => body.size_hint(),
        }
    }
}

impl<B> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ResponseKind::Inner { .. } => f.write_str("ResponseBody::Inner"),
            ResponseKind::Rejection { .. } => f.write_str("ResponseBody::Rejection"),
        }
    }
}

/// Turns a rejection into a response of the layers' response type.
pub(crate) fn rejection_response<B>(rejection: &Rejection) -> http::Response<ResponseBody<B>> {
    rejection.to_http_response().map(|body| ResponseBody {
        kind: ResponseKind::Rejection { body },
    })
}
