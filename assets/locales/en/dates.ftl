# How dates and times are written (src/i18n/dates.rs, times::Local).
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
# 12 or 24: the clock this language reads.
clock = 12
time-am = AM
time-pm = PM
# "Tuesday 1 December 2026"
date-long = { $weekday } { $day } { $month } { $year }
# "Tuesday 1 December 2026 at 2:00 PM EST (America/New_York)"
date-at-time = { $date } at { $time }
