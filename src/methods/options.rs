//! Reading parameter values against the method table: typed values with range checks whose
//! errors name the parameter ([`ParamSpec::integer`], [`ParamSpec::number`],
//! [`ParamSpec::flag`]), and the options of an analysis method ([`MethodOptions`]), the same
//! for the CLI, HTTP and library callers.

use super::{
    Method, ParamDefault, ParamError, ParamKind, ParamSpec, DISTANCE_BANDS, EPS_M, FDR, K, LAG,
    MIN_POINTS, MIN_REQUESTS, PERMUTATIONS, RES, STEPS, STEP_DAYS, TIME_BANDS,
};

impl ParamSpec {
    /// Reads a whole number within the table's range.
    pub fn integer(&self, text: &str) -> Result<i64, ParamError> {
        let text = text.trim();
        match text.parse::<i64>() {
            Ok(n) if (self.min..=self.max).contains(&(n as f64)) => Ok(n),
            _ => Err(self.error(format!(
                "{text:?} is not a whole number from {} to {}",
                self.min, self.max
            ))),
        }
    }

    /// Reads a finite number within the table's range.
    pub fn number(&self, text: &str) -> Result<f64, ParamError> {
        let text = text.trim();
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() && (self.min..=self.max).contains(&x) => Ok(x),
            _ => Err(self.error(format!(
                "{text:?} is not a number from {} to {}",
                self.min, self.max
            ))),
        }
    }

    /// Reads `true`/`false` (also 1/0, yes/no).
    pub fn flag(&self, text: &str) -> Result<bool, ParamError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            other => Err(self.error(format!("{other:?} is not true or false"))),
        }
    }

    /// Reads comma-separated numbers, each within the table's range, strictly ascending.
    pub fn list(&self, text: &str) -> Result<Vec<f64>, ParamError> {
        let values = text
            .split(',')
            .map(|v| self.number(v))
            .collect::<Result<Vec<f64>, ParamError>>()?;
        self.check_list(&values)?;
        Ok(values)
    }

    /// Checks a list already parsed elsewhere: 1 to 50 values in range, strictly ascending.
    pub fn check_list(&self, values: &[f64]) -> Result<(), ParamError> {
        if values.is_empty() || values.len() > 50 {
            return Err(self.error("give 1 to 50 comma-separated numbers".into()));
        }
        for &v in values {
            self.check(v)?;
        }
        if values.windows(2).any(|w| w[0] >= w[1]) {
            return Err(self.error(format!("{values:?} are not strictly ascending")));
        }
        Ok(())
    }

    /// The table's default list (`None` for a parameter that is not a list).
    pub fn default_list(&self) -> Option<&'static [f64]> {
        match self.default {
            ParamDefault::List(values) => Some(values),
            _ => None,
        }
    }

    /// Checks a value already parsed elsewhere (e.g. a library caller's) against the range.
    pub fn check(&self, value: f64) -> Result<(), ParamError> {
        if value.is_finite() && (self.min..=self.max).contains(&value) {
            Ok(())
        } else {
            Err(self.error(format!(
                "must be from {} to {}, got {value}",
                self.min, self.max
            )))
        }
    }

    fn error(&self, reason: String) -> ParamError {
        ParamError {
            name: self.name,
            reason,
        }
    }

    /// The table's default as a number (`None`: chosen from the data or the city).
    pub fn default_number(&self) -> Option<f64> {
        match self.default {
            ParamDefault::Number(x) => Some(x),
            _ => None,
        }
    }

    /// `--help` text: the help, the range and the default.
    pub fn cli_help(&self) -> String {
        let default = match self.default {
            ParamDefault::Number(x) => format!("default {x}"),
            ParamDefault::Flag(b) => format!("default {b}"),
            ParamDefault::Auto(rule) => format!("default: {rule}"),
            ParamDefault::CityResolution => "default: the city's h3_resolution".into(),
            ParamDefault::List(values) => format!(
                "default {}",
                values
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        match self.kind {
            ParamKind::Flag => format!("{} ({default})", self.help),
            _ => format!("{} ({} to {}; {default})", self.help, self.min, self.max),
        }
    }
}

/// The options of an analysis method, parsed against the table (`None`: the default).
#[derive(Debug, Clone, PartialEq)]
pub struct MethodOptions {
    /// Gi* H3 resolution; `None` chooses it from the data.
    pub res: Option<u8>,
    /// Gi* neighbourhood ring.
    pub k: u32,
    /// Gi* bins with Benjamini-Hochberg FDR.
    pub fdr: bool,
    /// DBSCAN radius in metres (`None`: the default).
    pub eps_m: Option<f64>,
    /// DBSCAN core-point threshold, the point included (`None`: the default).
    pub min_points: Option<usize>,
    /// Repeats: requests a place needs (`None`: the default).
    pub min_requests: Option<usize>,
    /// Emerging hot spots: days per step (`None`: the default).
    pub step_days: Option<u32>,
    /// Emerging hot spots: time lag in steps (`None`: the default).
    pub lag: Option<u32>,
    /// Emerging hot spots: number of steps (`None`: as many as the window holds).
    pub steps: Option<u32>,
    /// Near repeats: distance band edges in metres (`None`: the default).
    pub distance_bands: Option<Vec<f64>>,
    /// Near repeats: time band edges in days (`None`: the default).
    pub time_bands: Option<Vec<f64>>,
    /// Near repeats: permutations (`None`: the default).
    pub permutations: Option<u32>,
}

impl Default for MethodOptions {
    /// The table's defaults (`None` where the default is chosen from the data or stays
    /// the table's, see the `*_or_default` methods).
    fn default() -> Self {
        MethodOptions {
            res: None,
            k: K.default_number().expect("numeric default") as u32,
            fdr: matches!(FDR.default, ParamDefault::Flag(true)),
            eps_m: None,
            min_points: None,
            min_requests: None,
            step_days: None,
            lag: None,
            steps: None,
            distance_bands: None,
            time_bands: None,
            permutations: None,
        }
    }
}

impl MethodOptions {
    /// Reads the options of `method` from `get(name)` (raw text of a given parameter). Only
    /// the method's own parameters are read; the others keep their defaults.
    pub fn parse<'a>(
        method: Method,
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<MethodOptions, ParamError> {
        let mut o = MethodOptions::default();
        let spec = method.spec();
        let given = |p: &ParamSpec| {
            spec.param(p.name)
                .is_some_and(|q| q == p)
                .then(|| get(p.name))
                .flatten()
        };
        if let Some(t) = given(&RES) {
            o.res = Some(RES.integer(t)? as u8);
        }
        if let Some(t) = given(&K) {
            o.k = K.integer(t)? as u32;
        }
        if let Some(t) = given(&FDR) {
            o.fdr = FDR.flag(t)?;
        }
        if let Some(t) = given(&EPS_M) {
            o.eps_m = Some(EPS_M.number(t)?);
        }
        if let Some(t) = given(&MIN_POINTS) {
            o.min_points = Some(MIN_POINTS.integer(t)? as usize);
        }
        if let Some(t) = given(&MIN_REQUESTS) {
            o.min_requests = Some(MIN_REQUESTS.integer(t)? as usize);
        }
        if let Some(t) = given(&STEP_DAYS) {
            o.step_days = Some(STEP_DAYS.integer(t)? as u32);
        }
        if let Some(t) = given(&LAG) {
            o.lag = Some(LAG.integer(t)? as u32);
        }
        if let Some(t) = given(&STEPS) {
            o.steps = Some(STEPS.integer(t)? as u32);
        }
        if let Some(t) = given(&DISTANCE_BANDS) {
            o.distance_bands = Some(DISTANCE_BANDS.list(t)?);
        }
        if let Some(t) = given(&TIME_BANDS) {
            o.time_bands = Some(TIME_BANDS.list(t)?);
        }
        if let Some(t) = given(&PERMUTATIONS) {
            o.permutations = Some(PERMUTATIONS.integer(t)? as u32);
        }
        Ok(o)
    }

    /// Checks values set by a library caller against the table's ranges.
    pub fn validate(&self) -> Result<(), ParamError> {
        if let Some(r) = self.res {
            RES.check(f64::from(r))?;
        }
        K.check(f64::from(self.k))?;
        if let Some(e) = self.eps_m {
            EPS_M.check(e)?;
        }
        if let Some(m) = self.min_points {
            MIN_POINTS.check(m as f64)?;
        }
        if let Some(m) = self.min_requests {
            MIN_REQUESTS.check(m as f64)?;
        }
        for (spec, list) in [
            (&DISTANCE_BANDS, &self.distance_bands),
            (&TIME_BANDS, &self.time_bands),
        ] {
            if let Some(values) = list {
                spec.check_list(values)?;
            }
        }
        for (spec, value) in [
            (&STEP_DAYS, self.step_days),
            (&LAG, self.lag),
            (&STEPS, self.steps),
            (&PERMUTATIONS, self.permutations),
        ] {
            if let Some(v) = value {
                spec.check(f64::from(v))?;
            }
        }
        Ok(())
    }

    /// The DBSCAN radius in force.
    pub fn eps_m_or_default(&self) -> f64 {
        self.eps_m
            .unwrap_or_else(|| EPS_M.default_number().expect("numeric default"))
    }

    /// The DBSCAN core-point threshold in force.
    pub fn min_points_or_default(&self) -> usize {
        self.min_points
            .unwrap_or_else(|| MIN_POINTS.default_number().expect("numeric default") as usize)
    }

    /// The step length in force (days).
    pub fn step_days_or_default(&self) -> u32 {
        self.step_days
            .unwrap_or_else(|| STEP_DAYS.default_number().expect("numeric default") as u32)
    }

    /// The time lag in force (steps).
    pub fn lag_or_default(&self) -> u32 {
        self.lag
            .unwrap_or_else(|| LAG.default_number().expect("numeric default") as u32)
    }

    /// The Knox parameters in force (seeded: the same request gives the same table).
    pub fn knox_or_default(&self) -> crate::analysis::knox::KnoxParams {
        let list = |given: &Option<Vec<f64>>, spec: &ParamSpec| {
            given
                .clone()
                .unwrap_or_else(|| spec.default_list().expect("list default").to_vec())
        };
        crate::analysis::knox::KnoxParams {
            distance_bands: list(&self.distance_bands, &DISTANCE_BANDS),
            time_bands: list(&self.time_bands, &TIME_BANDS),
            permutations: self
                .permutations
                .unwrap_or_else(|| PERMUTATIONS.default_number().expect("numeric default") as u32),
            ..crate::analysis::knox::KnoxParams::default()
        }
    }

    /// The repeats threshold in force.
    pub fn min_requests_or_default(&self) -> usize {
        self.min_requests
            .unwrap_or_else(|| MIN_REQUESTS.default_number().expect("numeric default") as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_follow_the_table() {
        let get = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        };
        let o = MethodOptions::parse(
            Method::Gistar,
            get(&[("res", "8"), ("k", "2"), ("fdr", "no"), ("eps_m", "x")]),
        )
        .unwrap();
        assert_eq!((o.res, o.k, o.fdr, o.eps_m), (Some(8), 2, false, None));
        let e = MethodOptions::parse(Method::Gistar, get(&[("res", "99")])).unwrap_err();
        assert_eq!(e.name, "res");
        let e = MethodOptions::parse(Method::Dbscan, get(&[("eps_m", "NaN")])).unwrap_err();
        assert_eq!(e.name, "eps_m");
        let o = MethodOptions::parse(
            Method::Dbscan,
            get(&[("eps_m", "120"), ("min_points", "4")]),
        )
        .unwrap();
        assert_eq!(
            (o.eps_m_or_default(), o.min_points_or_default()),
            (120.0, 4)
        );
        assert_eq!(MethodOptions::default().min_requests_or_default(), 3);
        let bad = MethodOptions {
            min_requests: Some(1),
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().name, "min_requests");
    }
}
