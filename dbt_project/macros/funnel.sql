{#- Macros of the journey funnel (models/marts/funnel; definitions in _funnel__docs.md). -#}

{#- The journey stages in funnel order, the one list every funnel model loops over. `strictly_after`: the stage's
    event must come after the previous stage's, not at the same moment — a repeat order is a different, later
    order than the first purchase. -#}
{% macro funnel_stages() -%}
    {{ return([
        {'name': 'awareness', 'order': 1, 'strictly_after': false},
        {'name': 'consideration', 'order': 2, 'strictly_after': false},
        {'name': 'purchase', 'order': 3, 'strictly_after': false},
        {'name': 'retention', 'order': 4, 'strictly_after': true},
        {'name': 'advocacy', 'order': 5, 'strictly_after': true},
    ]) }}
{%- endmacro %}

{#- The stages as rows (stage, stage_order), for a subquery: the funnel's spine, so a stage no one reached in a
    breakdown still has its row with zero customers. -#}
{% macro funnel_stage_rows() -%}
    {%- for stage in funnel_stages() %}
    select '{{ stage.name }}' as stage, {{ stage.order }} as stage_order{{ ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
