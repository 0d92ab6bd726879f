//! Points on the Earth and great-circle distances.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A position in decimal degrees, latitude in [-90, 90] and longitude in [-180, 180].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

/// Why a position is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("latitude {0} is not within -90..90")]
    Latitude(f64),
    #[error("longitude {0} is not within -180..180")]
    Longitude(f64),
    #[error("'{0}' is not LAT,LON in decimal degrees")]
    Syntax(String),
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> Result<LatLon, GeoError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude(lat));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude(lon));
        }
        Ok(LatLon { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }
}

impl FromStr for LatLon {
    type Err = GeoError;

    /// `39.03,125.75` (spaces allowed around the numbers).
    fn from_str(text: &str) -> Result<LatLon, GeoError> {
        let syntax = || GeoError::Syntax(text.to_owned());
        let (lat, lon) = text.split_once(',').ok_or_else(syntax)?;
        let lat: f64 = lat.trim().parse().map_err(|_| syntax())?;
        let lon: f64 = lon.trim().parse().map_err(|_| syntax())?;
        LatLon::new(lat, lon)
    }
}

impl fmt::Display for LatLon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.lat, self.lon)
    }
}

/// Great-circle distance in kilometres (haversine formula, spherical Earth).
pub fn haversine_km(a: LatLon, b: LatLon) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let half_dlat = (lat2 - lat1) / 2.0;
    let half_dlon = (b.lon - a.lon).to_radians() / 2.0;
    let h = half_dlat.sin().powi(2) + lat1.cos() * lat2.cos() * half_dlon.sin().powi(2);
    // min(1) guards against rounding just above 1 for antipodal points.
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_agree_with_independent_values() {
        // One degree of a meridian is πR/180.
        let one_degree = haversine_km(LatLon::new(0.0, 10.0).unwrap(), LatLon::new(1.0, 10.0).unwrap());
        assert!((one_degree - std::f64::consts::PI * EARTH_RADIUS_KM / 180.0).abs() < 1e-9);
        // Half the equator.
        let half = haversine_km(LatLon::new(0.0, 0.0).unwrap(), LatLon::new(0.0, 180.0).unwrap());
        assert!((half - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
        // Pyongyang Sunan airport to Kim Il Sung Square: about 24 km, and the spherical law of cosines agrees.
        let a = LatLon::new(39.2241, 125.6700).unwrap();
        let b = LatLon::new(39.0194, 125.7533).unwrap();
        let cosines = EARTH_RADIUS_KM
            * (a.lat().to_radians().sin() * b.lat().to_radians().sin()
                + a.lat().to_radians().cos() * b.lat().to_radians().cos() * (b.lon() - a.lon()).to_radians().cos())
            .acos();
        assert!((haversine_km(a, b) - cosines).abs() < 1e-6);
        assert!((haversine_km(a, b) - 23.8).abs() < 0.5, "{}", haversine_km(a, b));
    }

    #[test]
    fn parse_positions() {
        assert_eq!("39.2, 125.7".parse::<LatLon>(), LatLon::new(39.2, 125.7));
        assert!(matches!("91,0".parse::<LatLon>(), Err(GeoError::Latitude(_))));
        assert!(matches!("0,181".parse::<LatLon>(), Err(GeoError::Longitude(_))));
        assert!(matches!("39.2".parse::<LatLon>(), Err(GeoError::Syntax(_))));
        assert!(matches!("NaN,1".parse::<LatLon>(), Err(GeoError::Latitude(_))));
    }
}
