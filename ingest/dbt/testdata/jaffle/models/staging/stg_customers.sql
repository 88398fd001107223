select
    id as customer_id,
    first_name || ' ' || last_name as full_name,
    md5(lower(email)) as email_hash,
    upper(country_code) as country_code
from {{ source('shop', 'customers') }}
