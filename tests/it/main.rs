//! End-to-end tests of the `azlog` binary: conversion of the bundled sample dump, real
//! readers on the output, determinism across thread counts and the accounting on bad input.

mod util;

mod convert;
mod interop;
