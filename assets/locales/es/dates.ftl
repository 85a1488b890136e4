# Cómo se escriben fechas y horas (src/i18n/dates.rs, times::Local).
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
clock = 24
time-am = a. m.
time-pm = p. m.
# "martes, 1 de diciembre de 2026"
date-long = { $weekday }, { $day } de { $month } de { $year }
# "martes, 1 de diciembre de 2026 a las 14:00 EST (America/New_York)"
date-at-time = { $date } { $hour ->
    [1] a la
   *[other] a las
} { $time }
