//! Where `-o` sends records and in which format: `-o FILE` (the format from its extension),
//! `-o FILE:FORMAT` (Scrapy's form), `--format FORMAT`, `-o -` (stdout). A name that says
//! no format (`-o /dev/null`, `-o records.txt`) gets JSONL, with a note on stderr when the
//! file is a regular one.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Sqlite,
}

/// The names `--format` and `-o FILE:FORMAT` take, and extensions.
const NAMES: [(&str, Format); 9] = [
    ("jsonl", Format::Jsonl),
    ("jsonlines", Format::Jsonl),
    ("ndjson", Format::Jsonl),
    ("json", Format::Jsonl),
    ("csv", Format::Csv),
    ("sqlite", Format::Sqlite),
    ("sqlite3", Format::Sqlite),
    ("db", Format::Sqlite),
    ("jl", Format::Jsonl),
];

impl Format {
    /// A format by name (`jsonl`, `csv`, `sqlite` and their aliases), for `--format`.
    pub fn from_name(name: &str) -> Result<Format, String> {
        let lower = name.to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|(_, f)| *f)
            .ok_or_else(|| format!("unknown output format `{name}`: use jsonl, csv or sqlite"))
    }

    /// The format a file name's extension says, if it says one.
    pub fn for_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        Format::from_name(ext).ok()
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "JSONL",
            Format::Csv => "CSV",
            Format::Sqlite => "SQLite",
        }
    }
}

/// Where the records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

/// A resolved `-o`: destination, format, and a note for stderr if the format was guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub dest: Dest,
    pub format: Format,
    pub note: Option<String>,
}

impl Target {
    /// Resolves `-o` (`None`: stdout) and `--format`. `--format` wins over an extension;
    /// it must agree with a `:FORMAT` suffix.
    pub fn parse(out: Option<&Path>, format: Option<Format>) -> Result<Target, String> {
        let Some(out) = out else {
            return Target::stdout(format.unwrap_or(Format::Jsonl));
        };
        let (path, suffix) = split_format_suffix(out);
        let format = match (format, suffix) {
            (Some(flag), Some(named)) if flag != named => {
                return Err(format!(
                    "-o {} says {} but --format says {}: give one",
                    out.display(),
                    named.name(),
                    flag.name()
                ))
            }
            (Some(f), _) | (None, Some(f)) => Some(f),
            (None, None) => None,
        };
        if path.as_os_str() == "-" {
            return Target::stdout(format.unwrap_or(Format::Jsonl));
        }
        if path.as_os_str().is_empty() {
            return Err(format!("-o {}: no file name", out.display()));
        }
        let mut note = None;
        let format = match format.or_else(|| Format::for_path(&path)) {
            Some(f) => f,
            None => {
                // /dev/null, a FIFO: nobody reads the name, so no note.
                let regular = std::fs::metadata(&path).map_or(true, |m| m.is_file());
                if regular {
                    note = Some(format!(
                        "writing JSONL to {}: its name says no format (.jsonl, .csv or .sqlite); \
                         --format or -o FILE:FORMAT chooses one",
                        path.display()
                    ));
                }
                Format::Jsonl
            }
        };
        Ok(Target {
            dest: Dest::File(path),
            format,
            note,
        })
    }

    fn stdout(format: Format) -> Result<Target, String> {
        if format == Format::Sqlite {
            return Err("SQLite cannot be written to stdout: give -o a file name".to_string());
        }
        Ok(Target {
            dest: Dest::Stdout,
            format,
            note: None,
        })
    }

    /// The file, if the records go to one.
    pub fn path(&self) -> Option<&Path> {
        match &self.dest {
            Dest::File(p) => Some(p),
            Dest::Stdout => None,
        }
    }
}

/// `FILE:FORMAT` -> (FILE, FORMAT) when the text after the last `:` names a format;
/// anything else is a file name as given.
fn split_format_suffix(out: &Path) -> (PathBuf, Option<Format>) {
    if let Some(text) = out.to_str() {
        if let Some((file, name)) = text.rsplit_once(':') {
            if let Ok(format) = Format::from_name(name) {
                return (PathBuf::from(file), Some(format));
            }
        }
    }
    (out.to_path_buf(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(out: Option<&str>, format: Option<&str>) -> Result<Target, String> {
        Target::parse(
            out.map(Path::new),
            format.map(|f| Format::from_name(f).unwrap()),
        )
    }

    fn file(path: &str, format: Format) -> (Dest, Format) {
        (Dest::File(PathBuf::from(path)), format)
    }

    #[test]
    fn formats_from_extension_suffix_flag_and_default() {
        let got = |out, format| {
            let t = parse(out, format).unwrap();
            (t.dest, t.format)
        };
        assert_eq!(got(Some("x.CSV"), None), file("x.CSV", Format::Csv));
        for name in ["x.sqlite", "x.sqlite3", "x.db"] {
            assert_eq!(got(Some(name), None), file(name, Format::Sqlite));
        }
        assert_eq!(got(Some("x.txt:csv"), None), file("x.txt", Format::Csv));
        assert_eq!(got(Some("x.csv:JSONL"), None), file("x.csv", Format::Jsonl));
        assert_eq!(
            got(Some("x.csv"), Some("jsonl")),
            file("x.csv", Format::Jsonl)
        );
        assert_eq!(
            got(Some("a:b.jsonl"), None),
            file("a:b.jsonl", Format::Jsonl)
        );
        assert_eq!(got(Some("-"), None), (Dest::Stdout, Format::Jsonl));
        assert_eq!(got(Some("-:csv"), None), (Dest::Stdout, Format::Csv));
        assert_eq!(got(None, Some("csv")), (Dest::Stdout, Format::Csv));
        assert_eq!(
            got(Some("/dev/null"), None),
            file("/dev/null", Format::Jsonl)
        );

        let guessed = parse(Some("records.txt"), None).unwrap();
        assert_eq!(guessed.format, Format::Jsonl);
        assert!(guessed.note.unwrap().contains("--format"));
        assert_eq!(parse(Some("/dev/null"), None).unwrap().note, None);
        assert_eq!(parse(Some("x.txt"), Some("csv")).unwrap().note, None);

        assert!(parse(Some("-"), Some("sqlite"))
            .unwrap_err()
            .contains("stdout"));
        assert!(parse(Some("x:csv"), Some("jsonl"))
            .unwrap_err()
            .contains("--format"));
        assert!(Format::from_name("xml")
            .unwrap_err()
            .contains("jsonl, csv or sqlite"));
    }
}
