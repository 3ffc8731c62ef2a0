//! The state shared by both layers' response futures.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

use crate::Rejection;
use crate::body::{ResponseBody, rejection_response};

/// A boxed, `Send` future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pin_project! {
    /// What a layer's `ResponseFuture` is doing.
    #[project = KindProj]
    pub(crate) enum Kind<F, B, E> {
        // The request went straight to the inner service.
        Inner {
            #[pin]
            future: F,
        },
        // Asynchronous checks (key lookup, body buffering) then the inner
        // service.
        Checking {
            future: BoxFuture<Result<Response<ResponseBody<B>>, E>>,
        },
        // Refused before anything asynchronous happened.
        Rejected {
            rejection: Rejection,
        },
    }
}

impl<F, B, E> Kind<F, B, E> {
    pub(crate) fn rejected(rejection: Rejection) -> Self {
        tracing::debug!(
            code = rejection.code(),
            status = rejection.status().as_u16(),
            "request rejected"
        );
        Kind::Rejected { rejection }
    }
}

impl<F, B, E> Future for Kind<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            KindProj::Inner { future } => future
                .poll(cx)
                .map(|result| result.map(|response| response.map(ResponseBody::new))),
            KindProj::Checking { future } => future.as_mut().poll(cx),
            KindProj::Rejected { rejection } => Poll::Ready(Ok(rejection_response(rejection))),
        }
    }
}

/// Logs and renders a rejection inside an asynchronous check.
pub(crate) fn reject<B, E>(rejection: Rejection) -> Result<Response<ResponseBody<B>>, E> {
    tracing::debug!(
        code = rejection.code(),
        status = rejection.status().as_u16(),
        "request rejected"
    );
    Ok(rejection_response(&rejection))
}

/// Declares a layer module's public `ResponseFuture` around [`Kind`].
macro_rules! response_future {
    ($(#[$doc:meta])*) => {
        pin_project_lite::pin_project! {
            $(#[$doc])*
            pub struct ResponseFuture<F, B, E> {
                #[pin]
                kind: $crate::future::Kind<F, B, E>,
            }
        }

        impl<F, B, E> ResponseFuture<F, B, E> {
            pub(crate) fn new(kind: $crate::future::Kind<F, B, E>) -> Self {
                ResponseFuture { kind }
            }
        }

        impl<F, B, E> std::future::Future for ResponseFuture<F, B, E>
        where
            F: std::future::Future<Output = Result<http::Response<B>, E>>,
        {
            type Output = Result<http::Response<$crate::body::ResponseBody<B>>, E>;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Self::Output> {
                self.project().kind.poll(cx)
            }
        }

        impl<F, B, E> std::fmt::Debug for ResponseFuture<F, B, E> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("ResponseFuture").finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use response_future;
