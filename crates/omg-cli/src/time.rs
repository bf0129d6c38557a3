//! Times as users read them: in the local time zone on the terminal (as pacman
//! shows its dates), in RFC 3339 for scripts, without a date library.

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, proleptic Gregorian).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-11-30T10:15:03Z`.
pub(crate) fn rfc3339_utc(time: i64) -> String {
    let days = time.div_euclid(86_400);
    let seconds = time.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// `2023-11-14 23:13:20 CET`: the local date and time with the zone's name (`TZ`
/// and /etc/localtime decide, as for pacman); UTC when it cannot be converted.
pub(crate) fn local(time: i64) -> String {
    let Some(tm) = localtime(time) else {
        let utc = rfc3339_utc(time).replace('T', " ");
        return format!("{} UTC", utc.trim_end_matches('Z'));
    };
    let zone = zone_name(&tm).unwrap_or_else(|| offset(tm.tm_gmtoff, ""));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {zone}",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
    )
}

/// `2023-11-14`: the local day.
pub(crate) fn local_date(time: i64) -> String {
    local(time).split(' ').next().unwrap_or_default().to_owned()
}

/// pacman.log's stamp in local time: `2026-11-30T11:15:03+0100`; UTC when the
/// time cannot be converted.
pub(crate) fn pacman_log_stamp(time: i64) -> String {
    let Some(tm) = localtime(time) else {
        return rfc3339_utc(time);
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        offset(tm.tm_gmtoff, "")
    )
}

/// `+0100` (`separator` between hours and minutes).
fn offset(seconds: libc::c_long, separator: &str) -> String {
    let minutes = seconds / 60;
    format!(
        "{}{:02}{separator}{:02}",
        if minutes < 0 { '-' } else { '+' },
        minutes.abs() / 60,
        minutes.abs() % 60
    )
}

#[expect(unsafe_code, reason = "the zone's name is a C string")]
fn zone_name(tm: &libc::tm) -> Option<String> {
    if tm.tm_zone.is_null() {
        return None;
    }
    // SAFETY: localtime_r points tm_zone at a NUL-terminated name that lives as
    // long as the time zone data, which this process never unloads.
    let name = unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) };
    Some(name.to_string_lossy().into_owned()).filter(|name| !name.is_empty())
}

#[expect(unsafe_code, reason = "std has no local time conversion")]
fn localtime(time: i64) -> Option<libc::tm> {
    let time = libc::time_t::try_from(time).ok()?;
    // SAFETY: `tm` is plain data; all-zero is a valid value for localtime_r to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r is thread-safe.
    let filled = unsafe { libc::localtime_r(&raw const time, &raw mut tm) };
    (!filled.is_null()).then_some(tm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn offsets_are_signed_hours_and_minutes() {
        assert_eq!(offset(3600, ""), "+0100");
        assert_eq!(offset(-(5 * 3600 + 30 * 60), ":"), "-05:30");
        assert_eq!(offset(0, ""), "+0000");
    }
}
