{#- The first message of an e-mail's thread: the first id of References (RFC 5322 lists the thread's first message
    first), else the message replied to (clients that drop References), else the message itself. -#}
{% macro email_thread_root(references_header, in_reply_to, message_id) -%}
    coalesce(
        nullif(split_part(trim(coalesce({{ references_header }}, '')), ' ', 1), ''),
        nullif(trim({{ in_reply_to }}), ''),
        {{ message_id }}
    )
{%- endmacro %}
