{#- The CRM user behind each PBX extension, for naming the agent of a call. An export can list an extension
    under two users (reassigned to a new hire while the leaver's user is still there); who took a call on it is
    then unknown, so such an extension names nobody rather than every holder (which would count a call twice). -#}
select
    extension,
    max(user_id) as user_id,
    max(email) as email,
    max(full_name) as full_name
from {{ ref('stg_sales__users') }}
where extension is not null and extension <> ''
group by extension
having count(*) = 1
