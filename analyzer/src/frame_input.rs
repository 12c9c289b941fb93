//! Reading a model's input frame: the column checks every model makes
//! (the column is there, it has a usable type) in one place, with one error
//! type that each model's error wraps.
//!
//! Numeric readers accept any integer or numeric type and cast it, because
//! the frames come from SQL whose column types vary with the server version
//! (`count()` is UInt64 on every server, `sum` of an Int32 is Int64 …) and
//! from tests built by hand.

use polars::prelude::{
    BooleanChunked, Column, DataFrame, DataType, Float64Chunked, Int32Chunked, Int64Chunked,
    StringChunked,
};

/// A frame without the shape a model needs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A required column is absent.
    #[error("the frame has no column `{column}`")]
    MissingColumn {
        /// The column.
        column: String,
    },
    /// A column has a type the model cannot read.
    #[error("column `{column}` must be {expected}, not {found}")]
    ColumnType {
        /// The column.
        column: String,
        /// What it must be.
        expected: &'static str,
        /// What it is (or why it could not be converted).
        found: String,
    },
}

impl FrameError {
    /// The column the error is about.
    pub fn column(&self) -> &str {
        match self {
            FrameError::MissingColumn { column } | FrameError::ColumnType { column, .. } => column,
        }
    }
}

type Result<T> = std::result::Result<T, FrameError>;

fn wrong_type(column: &Column, name: &str, expected: &'static str) -> FrameError {
    FrameError::ColumnType {
        column: name.to_string(),
        expected,
        found: column.dtype().to_string(),
    }
}

/// The column `name`.
pub(crate) fn column<'a>(frame: &'a DataFrame, name: &str) -> Result<&'a Column> {
    frame.column(name).map_err(|_| FrameError::MissingColumn {
        column: name.to_string(),
    })
}

/// A String column.
pub(crate) fn strings<'a>(frame: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    let c = column(frame, name)?;
    c.str().map_err(|_| wrong_type(c, name, "a String column"))
}

/// A Boolean column.
pub(crate) fn booleans<'a>(frame: &'a DataFrame, name: &str) -> Result<&'a BooleanChunked> {
    let c = column(frame, name)?;
    c.bool()
        .map_err(|_| wrong_type(c, name, "a Boolean column"))
}

/// Any integer column as Int64 (values beyond i64 become nulls, which the
/// models reject by row).
pub(crate) fn integers(frame: &DataFrame, name: &str) -> Result<Int64Chunked> {
    let c = column(frame, name)?;
    if !c.dtype().is_integer() {
        return Err(wrong_type(c, name, "an integer column"));
    }
    cast(c, name, &DataType::Int64, "an integer column")?
        .i64()
        .cloned()
        .map_err(|_| wrong_type(c, name, "an integer column"))
}

/// Any numeric column as Float64.
pub(crate) fn floats(frame: &DataFrame, name: &str) -> Result<Float64Chunked> {
    let c = column(frame, name)?;
    if !c.dtype().is_primitive_numeric() {
        return Err(wrong_type(c, name, "a numeric column"));
    }
    cast(c, name, &DataType::Float64, "a numeric column")?
        .f64()
        .cloned()
        .map_err(|_| wrong_type(c, name, "a numeric column"))
}

/// A Date column as days since 1970-01-01.
pub(crate) fn days(frame: &DataFrame, name: &str) -> Result<Int32Chunked> {
    let c = column(frame, name)?;
    if c.dtype() != &DataType::Date {
        return Err(wrong_type(c, name, "a Date column"));
    }
    cast(c, name, &DataType::Int32, "a Date column")?
        .i32()
        .cloned()
        .map_err(|_| wrong_type(c, name, "a Date column"))
}

fn cast(c: &Column, name: &str, to: &DataType, expected: &'static str) -> Result<Column> {
    c.cast(to).map_err(|e| FrameError::ColumnType {
        column: name.to_string(),
        expected,
        found: format!("{} ({e})", c.dtype()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;

    #[test]
    fn columns_are_found_typed_and_cast() {
        let frame = df!(
            "name" => ["a", "b"],
            "count" => [1u32, 2],
            "ms" => [1.5f32, 2.5],
            "flag" => [true, false],
        )
        .unwrap();
        assert_eq!(strings(&frame, "name").unwrap().get(1), Some("b"));
        assert_eq!(integers(&frame, "count").unwrap().get(1), Some(2));
        assert_eq!(floats(&frame, "count").unwrap().get(0), Some(1.0));
        assert_eq!(floats(&frame, "ms").unwrap().get(1), Some(2.5));
        assert_eq!(booleans(&frame, "flag").unwrap().get(0), Some(true));
        let dated = df!("day" => [chrono::NaiveDate::from_ymd_opt(1970, 1, 3).unwrap()]).unwrap();
        assert_eq!(days(&dated, "day").unwrap().get(0), Some(2));
        assert!(days(&frame, "count").is_err());
    }

    #[test]
    fn a_missing_or_mistyped_column_is_named() {
        let frame = df!("name" => ["a"], "ms" => [1.5f64]).unwrap();
        let missing = strings(&frame, "function").unwrap_err();
        assert_eq!(missing.to_string(), "the frame has no column `function`");
        assert_eq!(missing.column(), "function");
        let mistyped = integers(&frame, "ms").unwrap_err();
        assert_eq!(
            mistyped.to_string(),
            "column `ms` must be an integer column, not f64"
        );
        assert!(floats(&frame, "name").is_err());
        assert!(booleans(&frame, "name").is_err());
    }
}
