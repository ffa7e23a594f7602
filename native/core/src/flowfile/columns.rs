//! The header of a flow file: which column sits in which field.
//!
//! Two layouts are read:
//!
//! - **binetflow**: Argus `ra` CSV/TSV such as CTU-13's `.binetflow`, with at least
//!   [`FlowColumn::REQUIRED`] and `Dur` or `LastTime`;
//! - **NetFlow CSV** with BotRecon's eight columns ([`FlowColumn::NETFLOW_EIGHT`]: source
//!   address, protocol, destination port, source port, state, duration, total bytes, source
//!   bytes), named in a header or, without a header, in that order.
//!
//! Names are matched ignoring case, spaces, `_` and `-`, as `ra` prints them (`StartTime`,
//! `SAppBytes`), as its `-s` keywords spell them (`stime`, `saddr`), as BotRecon accepts them
//! (`Src Addr`, `Protocol`, `Dst Port`, `Duration`, `Total Bytes`) or in snake case
//! (`src_addr`, `total_bytes`). Columns that map to no record field (`srcUdata`, a pandas
//! index) are kept in the name list and otherwise ignored.

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

    /// Columns a binetflow must have (besides `Dur` or `LastTime`): what makes a CTU-13 flow.
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

    /// BotRecon's eight columns, in the order a file without a header holds them. A file with
    /// these and without the rest of [`FlowColumn::REQUIRED`] is read with the defaults of
    /// `row.rs` (no destination address, no packet count, one window when there is no time).
    pub const NETFLOW_EIGHT: [FlowColumn; 8] = [
        FlowColumn::SrcAddr,
        FlowColumn::Proto,
        FlowColumn::Dport,
        FlowColumn::Sport,
        FlowColumn::State,
        FlowColumn::Dur,
        FlowColumn::TotBytes,
        FlowColumn::SrcBytes,
    ];

    /// Columns only Argus's own output has: a header with one of them is a binetflow, and a
    /// missing column is reported as a binetflow's.
    const ARGUS_ONLY: [FlowColumn; 12] = [
        FlowColumn::LastTime,
        FlowColumn::Dir,
        FlowColumn::SrcTos,
        FlowColumn::DstTos,
        FlowColumn::TotPkts,
        FlowColumn::SrcPkts,
        FlowColumn::DstPkts,
        FlowColumn::DstBytes,
        FlowColumn::SrcAppBytes,
        FlowColumn::DstAppBytes,
        FlowColumn::Label,
        FlowColumn::WindowStart,
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

    /// Every accepted name, normalized (lower case, without spaces, `_` and `-`): the `ra`
    /// title, its `-s` keyword, BotRecon's aliases and other common spellings.
    fn accepted_names(self) -> &'static [&'static str] {
        match self {
            FlowColumn::StartTime => &["starttime", "stime", "start"],
            FlowColumn::LastTime => &["lasttime", "ltime"],
            FlowColumn::Dur => &["dur", "duration"],
            FlowColumn::Proto => &["proto", "protocol"],
            FlowColumn::SrcAddr => {
                &["srcaddr", "saddr", "srcaddress", "sourceaddr", "sourceaddress", "srcip", "sourceip"]
            }
            FlowColumn::Sport => &["sport", "srcport", "sourceport"],
            FlowColumn::Dir => &["dir", "direction"],
            FlowColumn::DstAddr => {
                &["dstaddr", "daddr", "dstaddress", "destinationaddr", "destinationaddress", "dstip", "destinationip"]
            }
            FlowColumn::Dport => &["dport", "dstport", "destinationport"],
            FlowColumn::State => &["state", "st"],
            FlowColumn::SrcTos => &["stos", "srctos"],
            FlowColumn::DstTos => &["dtos", "dsttos"],
            FlowColumn::TotPkts => &["totpkts", "pkts", "totalpkts", "totalpackets"],
            FlowColumn::SrcPkts => &["srcpkts", "spkts", "sourcepkts"],
            FlowColumn::DstPkts => &["dstpkts", "dpkts"],
            FlowColumn::TotBytes => &["totbytes", "bytes", "totalbytes", "tbytes"],
            FlowColumn::SrcBytes => &["srcbytes", "sbytes", "sourcebytes"],
            FlowColumn::DstBytes => &["dstbytes", "dbytes"],
            FlowColumn::SrcAppBytes => &["sappbytes", "srcappbytes"],
            FlowColumn::DstAppBytes => &["dappbytes", "dstappbytes"],
            FlowColumn::Label => &["label"],
            FlowColumn::WindowStart => &["windowstart"],
        }
    }

    /// The column a header name means, if any.
    pub fn from_header_name(name: &str) -> Option<FlowColumn> {
        let normalized: String = name
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        FlowColumn::ALL.into_iter().find(|column| column.accepted_names().contains(&normalized.as_str()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// `--columns NAME=COLUMN,…`: which column of a CSV flow file with other names (nfstream's,
/// CICFlowMeter's) holds which of flowhound's fields. NAME is any name the reader accepts for
/// the field (`SrcAddr`, `src_addr`, `Source Address`); COLUMN is the file's header name,
/// matched exactly but for case and surrounding spaces. A column the file names in its own
/// way for a mapped field is then ignored, so the mapping decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnRenames(Vec<(FlowColumn, String)>);

impl ColumnRenames {
    /// No renames: the header's own names.
    pub const NONE: ColumnRenames = ColumnRenames(Vec::new());

    /// Parses `NAME=COLUMN` items; the error says which item and why.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<ColumnRenames, String> {
        let mut renames: Vec<(FlowColumn, String)> = Vec::new();
        for item in items {
            let item = item.as_ref().trim();
            let Some((name, column)) = item.split_once('=').map(|(n, c)| (n.trim(), c.trim())) else {
                return Err(format!("--columns: {item:?} is not NAME=COLUMN"));
            };
            let Some(field) = FlowColumn::from_header_name(name) else {
                let names: Vec<&str> = FlowColumn::ALL.iter().map(|c| c.argus_name()).collect();
                return Err(format!("--columns: {name:?} is no flow field; the fields: {}", names.join(", ")));
            };
            if column.is_empty() {
                return Err(format!("--columns: {item:?} names no column"));
            }
            if renames.iter().any(|(f, _)| *f == field) {
                return Err(format!("--columns: {} is mapped twice", field.argus_name()));
            }
            if renames.iter().any(|(_, c)| c.eq_ignore_ascii_case(column)) {
                return Err(format!("--columns: column {column:?} is mapped twice"));
            }
            renames.push((field, column.to_string()));
        }
        Ok(ColumnRenames(renames))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The items as given back: `SrcAddr=src_ip`.
    pub fn items(&self) -> Vec<String> {
        self.0.iter().map(|(field, column)| format!("{}={column}", field.argus_name())).collect()
    }

    /// The header's names as the column map should read them: a mapped column under its
    /// field's name, a column that would otherwise fill a mapped field blanked. A mapped
    /// column the header lacks is an error naming it.
    pub fn apply(&self, names: &[String]) -> Result<Vec<String>, String> {
        for (field, column) in &self.0 {
            if !names.iter().any(|name| name.trim().eq_ignore_ascii_case(column)) {
                return Err(format!("--columns {}={column}: the header has no column {column:?}", field.argus_name()));
            }
        }
        Ok(names
            .iter()
            .map(|name| {
                if let Some((field, _)) = self.0.iter().find(|(_, column)| name.trim().eq_ignore_ascii_case(column)) {
                    field.argus_name().to_string()
                } else if FlowColumn::from_header_name(name).is_some_and(|own| self.0.iter().any(|(f, _)| *f == own)) {
                    String::new()
                } else {
                    name.clone()
                }
            })
            .collect())
    }
}

/// The two layouts a flow file can have (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Binetflow,
    NetFlow,
}

/// Why a header cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Columns missing for the layout the header looks like: a binetflow when it has a column
    /// only Argus writes (`Dir`, `TotPkts`, `Label`, …), else BotRecon's NetFlow CSV.
    Missing { layout: Layout, missing: Vec<&'static str> },
    /// No name in the line is a column name.
    NoKnownColumn,
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
        if field_of.iter().all(Option::is_none) {
            return Err(HeaderProblem::NoKnownColumn);
        }
        let binetflow_missing = map.binetflow_missing();
        let netflow_missing = map.netflow_missing();
        if binetflow_missing.is_empty() || netflow_missing.is_empty() {
            return Ok(map);
        }
        Err(if FlowColumn::ARGUS_ONLY.iter().any(|c| map.field(*c).is_some()) {
            HeaderProblem::Missing { layout: Layout::Binetflow, missing: binetflow_missing }
        } else {
            HeaderProblem::Missing { layout: Layout::NetFlow, missing: netflow_missing }
        })
    }

    /// The map of a file without a header: BotRecon's eight columns in their order.
    pub fn netflow_without_header() -> ColumnMap {
        let mut field_of = [None; FlowColumn::ALL.len()];
        for (field, column) in FlowColumn::NETFLOW_EIGHT.iter().enumerate() {
            field_of[column.index()] = Some(field);
        }
        ColumnMap { field_of, field_count: FlowColumn::NETFLOW_EIGHT.len() }
    }

    /// Whether the file has `column`, or the two columns its value is the sum of: `TotBytes`
    /// from `SrcBytes` and `DstBytes`, `TotPkts` from `SrcPkts` and `DstPkts` (nfdump's CSV
    /// has only the sides).
    fn has_or_sums(&self, column: FlowColumn) -> bool {
        let sides = match column {
            FlowColumn::TotBytes => Some((FlowColumn::SrcBytes, FlowColumn::DstBytes)),
            FlowColumn::TotPkts => Some((FlowColumn::SrcPkts, FlowColumn::DstPkts)),
            _ => None,
        };
        self.field(column).is_some() || sides.is_some_and(|(src, dst)| self.field(src).is_some() && self.field(dst).is_some())
    }

    fn binetflow_missing(&self) -> Vec<&'static str> {
        let mut missing: Vec<&'static str> =
            FlowColumn::REQUIRED.iter().filter(|c| !self.has_or_sums(**c)).map(|c| c.argus_name()).collect();
        if self.field(FlowColumn::Dur).is_none() && self.field(FlowColumn::LastTime).is_none() {
            // Listed where Dur sits in a CTU-13 header: right after StartTime.
            let after_start_time = usize::from(self.field(FlowColumn::StartTime).is_none());
            missing.insert(after_start_time, "Dur (or LastTime)");
        }
        missing
    }

    /// BotRecon's eight; `LastTime` stands for `Dur` only beside a `StartTime`.
    fn netflow_missing(&self) -> Vec<&'static str> {
        let has_times = self.field(FlowColumn::StartTime).is_some() && self.field(FlowColumn::LastTime).is_some();
        FlowColumn::NETFLOW_EIGHT
            .iter()
            .filter(|c| !(self.has_or_sums(**c) || (**c == FlowColumn::Dur && has_times)))
            .map(|c| c.argus_name())
            .collect()
    }

    /// The layout the file is read with: a binetflow when it has every binetflow column.
    pub fn layout(&self) -> Layout {
        if self.binetflow_missing().is_empty() {
            Layout::Binetflow
        } else {
            Layout::NetFlow
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

    #[test]
    fn column_renames_map_other_names_onto_the_fields() {
        // nfstream's names (https://www.nfstream.org/docs/api#nflow): no field is found by itself.
        let header: Vec<String> = ["id", "src_ip", "src_port", "dst_ip", "dst_port", "protocol", "bidirectional_first_seen_ms",
            "bidirectional_duration_ms", "bidirectional_packets", "bidirectional_bytes", "src2dst_bytes", "application_name"]
            .map(String::from)
            .to_vec();
        let renames = ColumnRenames::parse(&[
            "SrcAddr=src_ip",
            "Sport=src_port",
            "DstAddr=dst_ip",
            "Dport=dst_port",
            "Proto = protocol",
            "Dur=bidirectional_duration_ms",
            "TotBytes=bidirectional_bytes",
            "src_bytes=SRC2DST_BYTES",
            "State=application_name",
        ])
        .unwrap();
        let names = renames.apply(&header).unwrap();
        let map = ColumnMap::from_names(&names).unwrap();
        assert_eq!(map.layout(), Layout::NetFlow);
        assert_eq!(map.field(FlowColumn::SrcAddr), Some(1));
        assert_eq!(map.field(FlowColumn::SrcBytes), Some(10));
        assert_eq!(map.field(FlowColumn::Proto), Some(5));
        assert_eq!(renames.items()[4], "Proto=protocol");
        // A column the file names itself for a mapped field gives way to the mapping.
        let header: Vec<String> = ["SrcAddr", "Proto", "Dport", "Sport", "State", "Dur", "TotBytes", "SrcBytes", "ip"]
            .map(String::from)
            .to_vec();
        let names = ColumnRenames::parse(&["SrcAddr=ip"]).unwrap().apply(&header).unwrap();
        assert_eq!(ColumnMap::from_names(&names).unwrap().field(FlowColumn::SrcAddr), Some(8));

        for (items, expected) in [
            (&["SrcAddr"][..], "\"SrcAddr\" is not NAME=COLUMN"),
            (&["Source=x"][..], "\"Source\" is no flow field; the fields: StartTime, LastTime"),
            (&["SrcAddr=a", "saddr=b"][..], "SrcAddr is mapped twice"),
            (&["SrcAddr=a", "DstAddr=A"][..], "column \"A\" is mapped twice"),
            (&["SrcAddr="][..], "names no column"),
        ] {
            let err = ColumnRenames::parse(items).unwrap_err();
            assert!(err.contains(expected), "{items:?}: {err}");
        }
        let err = ColumnRenames::parse(&["SrcAddr=source"]).unwrap().apply(&header).unwrap_err();
        assert_eq!(err, "--columns SrcAddr=source: the header has no column \"source\"");
    }

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
    fn botrecon_spellings() {
        // The names BotRecon's README and data.py accept, and snake case.
        for (name, column) in [
            ("Src Addr", FlowColumn::SrcAddr),
            ("srcaddr", FlowColumn::SrcAddr),
            ("SourceAddress", FlowColumn::SrcAddr),
            ("src_addr", FlowColumn::SrcAddr),
            ("Protocol", FlowColumn::Proto),
            ("Dst Port", FlowColumn::Dport),
            ("DestinationPort", FlowColumn::Dport),
            ("Source Port", FlowColumn::Sport),
            ("St", FlowColumn::State),
            ("Duration", FlowColumn::Dur),
            ("Total Bytes", FlowColumn::TotBytes),
            ("tbytes", FlowColumn::TotBytes),
            ("Src Bytes", FlowColumn::SrcBytes),
            ("sourcebytes", FlowColumn::SrcBytes),
            ("start_time", FlowColumn::StartTime),
            ("Window-Start", FlowColumn::WindowStart),
        ] {
            assert_eq!(FlowColumn::from_header_name(name), Some(column), "{name}");
        }
        assert_eq!(FlowColumn::from_header_name(""), None, "pandas's unnamed index column");
        assert_eq!(FlowColumn::from_header_name("bps"), None);
    }

    #[test]
    fn netflow_layouts() {
        let eight = "Src Addr,Protocol,Dst Port,Sport,State,Duration,Total Bytes,Src Bytes";
        let map = ColumnMap::from_names(&names(eight, ',')).unwrap();
        assert_eq!(map.layout(), Layout::NetFlow);
        assert_eq!((map.field(FlowColumn::SrcAddr), map.field(FlowColumn::SrcBytes)), (Some(0), Some(7)));
        assert_eq!((map.field(FlowColumn::StartTime), map.field(FlowColumn::DstAddr)), (None, None));
        assert_eq!(map, ColumnMap::netflow_without_header());
        // BotRecon's tests/data/test.csv: pandas index, times, a destination, no Dir or TotPkts.
        let pandas = ",StartTime,Dur,TotBytes,SrcBytes,Proto,Sport,Dport,State,DstAddr,SrcAddr";
        let map = ColumnMap::from_names(&names(pandas, ',')).unwrap();
        assert_eq!(map.layout(), Layout::NetFlow);
        assert_eq!((map.field(FlowColumn::StartTime), map.field(FlowColumn::SrcAddr)), (Some(1), Some(10)));
        // LastTime stands for Dur only beside StartTime.
        let timed = "stime,ltime,saddr,proto,dport,sport,state,bytes,sbytes";
        assert!(ColumnMap::from_names(&names(timed, ',')).is_ok());
        let untimed = "ltime,saddr,proto,dport,sport,state,bytes,sbytes";
        assert_eq!(
            ColumnMap::from_names(&names(untimed, ',')).unwrap_err(),
            HeaderProblem::Missing { layout: Layout::Binetflow, missing: vec!["StartTime", "Dir", "DstAddr", "TotPkts"] }
        );
        assert_eq!(ColumnMap::from_names(&names(CTU13, ',')).unwrap().layout(), Layout::Binetflow);
    }

    #[test]
    fn missing_and_duplicate_columns() {
        // With a column only Argus writes (Label), the missing columns are a binetflow's.
        let problem = ColumnMap::from_names(&names("StartTime,Proto,SrcAddr,DstAddr,TotBytes,Label", ',')).unwrap_err();
        assert_eq!(
            problem,
            HeaderProblem::Missing {
                layout: Layout::Binetflow,
                missing: vec!["Dur (or LastTime)", "Sport", "Dir", "Dport", "State", "TotPkts"]
            }
        );
        // Without one, BotRecon's.
        let problem = ColumnMap::from_names(&names("StartTime,Proto,SrcAddr,DstAddr,TotBytes", ',')).unwrap_err();
        assert_eq!(
            problem,
            HeaderProblem::Missing { layout: Layout::NetFlow, missing: vec!["Dport", "Sport", "State", "Dur", "SrcBytes"] }
        );
        let seven = "SrcAddr,Proto,Dport,Sport,State,Dur,TotBytes";
        assert_eq!(
            ColumnMap::from_names(&names(seven, ',')).unwrap_err(),
            HeaderProblem::Missing { layout: Layout::NetFlow, missing: vec!["SrcBytes"] }
        );
        let problem = ColumnMap::from_names(&names(&format!("{CTU13},label"), ',')).unwrap_err();
        assert_eq!(problem, HeaderProblem::Duplicate { column: "Label", first_field: 15, second_field: 16 });
        // A data line where the header should be.
        let data = "2011/08/16 10:01:46.972101,3599.986572,tcp,88.176.79.163,49213";
        assert_eq!(ColumnMap::from_names(&names(data, ',')), Err(HeaderProblem::NoKnownColumn));
    }
}
