//! The RON scenario file.
