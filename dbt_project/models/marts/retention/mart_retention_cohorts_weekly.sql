{#- Weekly cohort retention (macro retention_cohorts; weeks start on Monday): customer and revenue retention,
    "on" and "on or after". -#}
{{ retention_cohorts('week') }}
