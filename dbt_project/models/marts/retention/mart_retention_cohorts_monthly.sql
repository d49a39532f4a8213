{#- Monthly cohort retention (macro retention_cohorts): customer and revenue retention, "on" and "on or after". -#}
{{ retention_cohorts('month') }}
