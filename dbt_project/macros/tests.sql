{#- Generic tests the project needs (dbt Hub packages such as dbt_utils cannot be installed here). -#}

{#- No two rows share the same values in `columns` (a composite primary key). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Every value lies within [min_value, max_value] (either bound may be omitted). -#}
{% test within_range(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and (
    {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% else %} false{% endif %}
    or
    {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% else %} false{% endif %}
  )
{% endtest %}

{#- survivorship_rules: every source of an attribute names the same tie-breaker (`then_by`). -#}
{% test one_tie_breaker_per_attribute(model) %}
select attribute
from {{ model }}
group by attribute
having count(distinct then_by) > 1
{% endtest %}

{#- Every row with an amount in a currency has it converted (this column): the backstop behind `crm build`'s FX check
    (int_fx__missing_rates_detected), so a missing rate never leaves a NULL in the reporting currency unnoticed. -#}
{% test converted_to_reporting(model, column_name, amount, currency='currency') %}
select {{ column_name }}
from {{ model }}
where {{ amount }} is not null and {{ currency }} is not null and {{ column_name }} is null
{% endtest %}
