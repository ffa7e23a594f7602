//! The header of a flow file: which Argus column sits in which field.
//!
//! Names are matched case- and space-insensitively, as `ra` prints them (`StartTime`,
//! `SAppBytes`) or as its `-s` keywords spell them (`stime`, `saddr`, `sappbytes`). Columns
//! that map to no record field (`srcUdata`, `dstUdata`, …) are kept in the name list and
//! otherwise ignored.

/// The Argus columns the reader understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowColumn {
    StartTime,
    LastTime,
    Dur,
    Proto,
    SrcAddr,
    Sport,
    Dir,
    DstAddr,
    Dport,
    State,
    SrcTos,
    DstTos,
    TotPkts,
    SrcPkts,
    DstPkts,
    TotBytes,
    SrcBytes,
    DstBytes,
    SrcAppBytes,
    DstAppBytes,
    Label,
    /// Start of the window a windowed record belongs to (flowhound's own windowed output).
    WindowStart,
}

impl FlowColumn {
    pub const ALL: [FlowColumn; 22] = [
        FlowColumn::StartTime,
        FlowColumn::LastTime,
        FlowColumn::Dur,
        FlowColumn::Proto,
        FlowColumn::SrcAddr,
        FlowColumn::Sport,
        FlowColumn::Dir,
        FlowColumn::DstAddr,
        FlowColumn::Dport,
        FlowColumn::State,
        FlowColumn::SrcTos,
        FlowColumn::DstTos,
        FlowColumn::TotPkts,
        FlowColumn::SrcPkts,
        FlowColumn::DstPkts,
        FlowColumn::TotBytes,
        FlowColumn::SrcBytes,
        FlowColumn::DstBytes,
        FlowColumn::SrcAppBytes,
        FlowColumn::DstAppBytes,
        FlowColumn::Label,
        FlowColumn::WindowStart,
    ];

    /// Columns a file must have (besides `Dur` or `LastTime`): what makes a CTU-13 flow.
    /// Everything else has a documented default in the record.
    pub const REQUIRED: [FlowColumn; 10] = [
        FlowColumn::StartTime,
        FlowColumn::Proto,
        FlowColumn::SrcAddr,
        FlowColumn::Sport,
        FlowColumn::Dir,
        FlowColumn::DstAddr,
        FlowColumn::Dport,
        FlowColumn::State,
        FlowColumn::TotPkts,
        FlowColumn::TotBytes,
    ];

    /// The name `ra` prints in its title line.
    pub fn argus_name(self) -> &'static str {
        match self {
            FlowColumn::StartTime => "StartTime",
            FlowColumn::LastTime => "LastTime",
            FlowColumn::Dur => "Dur",
            FlowColumn::Proto => "Proto",
            FlowColumn::SrcAddr => "SrcAddr",
            FlowColumn::Sport => "Sport",
            FlowColumn::Dir => "Dir",
            FlowColumn::DstAddr => "DstAddr",
            FlowColumn::Dport => "Dport",
            FlowColumn::State => "State",
            FlowColumn::SrcTos => "sTos",
            FlowColumn::DstTos => "dTos",
            FlowColumn::TotPkts => "TotPkts",
            FlowColumn::SrcPkts => "SrcPkts",
            FlowColumn::DstPkts => "DstPkts",
            FlowColumn::TotBytes => "TotBytes",
            FlowColumn::SrcBytes => "SrcBytes",
            FlowColumn::DstBytes => "DstBytes",
            FlowColumn::SrcAppBytes => "SAppBytes",
            FlowColumn::DstAppBytes => "DAppBytes",
            FlowColumn::Label => "Label",
            FlowColumn::WindowStart => "WindowStart",
        }
    }

    /// The `ra -s` keyword, where it differs from the lower-cased title.
    fn ra_keyword(self) -> Option<&'static str> {
        Some(match self {
            FlowColumn::StartTime => "stime",
            FlowColumn::LastTime => "ltime",
            FlowColumn::SrcAddr => "saddr",
            FlowColumn::DstAddr => "daddr",
            FlowColumn::TotPkts => "pkts",
            FlowColumn::SrcPkts => "spkts",
            FlowColumn::DstPkts => "dpkts",
            FlowColumn::TotBytes => "bytes",
            FlowColumn::SrcBytes => "sbytes",
            FlowColumn::DstBytes => "dbytes",
            _ => return None,
        })
    }

    /// The column a header name means, if any.
    pub fn from_header_name(name: &str) -> Option<FlowColumn> {
        let normalized: String = name.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
        FlowColumn::ALL.into_iter().find(|column| {
            column.argus_name().eq_ignore_ascii_case(&normalized) || column.ra_keyword() == Some(normalized.as_str())
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a header cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    Missing(Vec<&'static str>),
    Duplicate { column: &'static str, first_field: usize, second_field: usize },
}

/// Field index of each known column in a file's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    field_of: [Option<usize>; FlowColumn::ALL.len()],
    field_count: usize,
}

impl ColumnMap {
    pub fn from_names(names: &[String]) -> Result<ColumnMap, HeaderProblem> {
        let mut field_of = [None; FlowColumn::ALL.len()];
        for (field, name) in names.iter().enumerate() {
            let Some(column) = FlowColumn::from_header_name(name) else { continue };
            if let Some(first_field) = field_of[column.index()] {
                return Err(HeaderProblem::Duplicate {
                    column: column.argus_name(),
                    first_field: first_field + 1,
                    second_field: field + 1,
                });
            }
            field_of[column.index()] = Some(field);
        }
        let map = ColumnMap { field_of, field_count: names.len() };
        let mut missing: Vec<&'static str> =
            FlowColumn::REQUIRED.iter().filter(|c| map.field(**c).is_none()).map(|c| c.argus_name()).collect();
        if map.field(FlowColumn::Dur).is_none() && map.field(FlowColumn::LastTime).is_none() {
            // Listed where Dur sits in a CTU-13 header: right after StartTime.
            let after_start_time = usize::from(map.field(FlowColumn::StartTime).is_none());
            missing.insert(after_start_time, "Dur (or LastTime)");
        }
        if missing.is_empty() {
            Ok(map)
        } else {
            Err(HeaderProblem::Missing(missing))
        }
    }

    /// Zero-based field index of `column`, if the file has it.
    pub fn field(&self, column: FlowColumn) -> Option<usize> {
        self.field_of[column.index()]
    }

    /// Number of fields every row must have.
    pub fn field_count(&self) -> usize {
        self.field_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(header: &str, delimiter: char) -> Vec<String> {
        header.split(delimiter).map(str::to_string).collect()
    }

    const CTU13: &str =
        "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label";

    #[test]
    fn ctu13_header() {
        let map = ColumnMap::from_names(&names(CTU13, ',')).unwrap();
        assert_eq!(map.field_count(), 15);
        assert_eq!(map.field(FlowColumn::StartTime), Some(0));
        assert_eq!(map.field(FlowColumn::SrcTos), Some(9));
        assert_eq!(map.field(FlowColumn::Label), Some(14));
        assert_eq!(map.field(FlowColumn::SrcPkts), None);
        assert_eq!(map.field(FlowColumn::LastTime), None);
    }

    #[test]
    fn stratosphere_variants() {
        // Normal__CTU-Normal-7-2013-13-07.binetflow: user-data columns, ignored.
        let with_udata = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,srcUdata,dstUdata,Label";
        let map = ColumnMap::from_names(&names(with_udata, ',')).unwrap();
        assert_eq!(map.field(FlowColumn::Label), Some(16));
        // test5-mixed.binetflow: tab-separated, with SrcPkts.
        let tabbed = "StartTime\tDur\tProto\tSrcAddr\tSport\tDir\tDstAddr\tDport\tState\tsTos\tdTos\tTotPkts\tTotBytes\tSrcBytes\tSrcPkts\tLabel";
        let map = ColumnMap::from_names(&names(tabbed, '\t')).unwrap();
        assert_eq!(map.field(FlowColumn::SrcPkts), Some(14));
        // Normal__2013-10-21_capture-1.binetflow: no SrcBytes, no Label.
        let short = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes";
        let map = ColumnMap::from_names(&names(short, ',')).unwrap();
        assert_eq!(map.field(FlowColumn::SrcBytes), None);
        assert_eq!(map.field(FlowColumn::Label), None);
    }

    #[test]
    fn names_are_case_and_space_insensitive_and_ra_keywords_work() {
        assert_eq!(FlowColumn::from_header_name(" start time "), Some(FlowColumn::StartTime));
        assert_eq!(FlowColumn::from_header_name("STOS"), Some(FlowColumn::SrcTos));
        assert_eq!(FlowColumn::from_header_name("Src Addr"), Some(FlowColumn::SrcAddr));
        assert_eq!(FlowColumn::from_header_name("saddr"), Some(FlowColumn::SrcAddr));
        assert_eq!(FlowColumn::from_header_name("SAppBytes"), Some(FlowColumn::SrcAppBytes));
        assert_eq!(FlowColumn::from_header_name("ltime"), Some(FlowColumn::LastTime));
        assert_eq!(FlowColumn::from_header_name("srcUdata"), None);
        let ra = "stime,ltime,proto,saddr,sport,dir,daddr,dport,state,pkts,bytes";
        let map = ColumnMap::from_names(&names(ra, ',')).unwrap();
        assert_eq!(map.field(FlowColumn::LastTime), Some(1));
        assert_eq!(map.field(FlowColumn::Dur), None);
    }

    #[test]
    fn missing_and_duplicate_columns() {
        let problem = ColumnMap::from_names(&names("StartTime,Proto,SrcAddr,DstAddr,TotBytes", ',')).unwrap_err();
        assert_eq!(
            problem,
            HeaderProblem::Missing(vec!["Dur (or LastTime)", "Sport", "Dir", "Dport", "State", "TotPkts"])
        );
        let problem = ColumnMap::from_names(&names(&format!("{CTU13},label"), ',')).unwrap_err();
        assert_eq!(problem, HeaderProblem::Duplicate { column: "Label", first_field: 15, second_field: 16 });
        // A data line where the header should be.
        let data = "2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213";
        assert!(matches!(ColumnMap::from_names(&names(data, ',')), Err(HeaderProblem::Missing(_))));
    }
}
