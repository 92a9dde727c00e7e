"""The price list keeps dates (DESIGN §4.4):

- today's prices of every product (list, floor, currency and the tiers' agreement discounts)
  become its first entries, effective from 1900-01-01 and open;
- a product inserted by any door (service, import, SQL load) starts its price list the same way;
- entries are append-only: never deleted, and only `valid_to` may move earlier (closing a period);
- `deals_floor_price_v` keeps its columns and now reads the floor entries with their dates
  (`valid_from` NULL where the product's first price holds from the start).
"""

from django.db import migrations

START = "DATE '1900-01-01'"

FORWARD = f"""
INSERT INTO deals_pricelistentry
    (product_id, level, tier_id, price, discount_percent, currency, valid_from, valid_to,
     created_at, created_by_id)
SELECT p.id, l.level, NULL, CASE l.level WHEN 'guide' THEN p.list_price ELSE p.floor_price END,
       NULL, p.currency, {START}, NULL, now(), NULL
FROM deals_product p CROSS JOIN (VALUES ('guide'), ('floor')) AS l(level);

INSERT INTO deals_pricelistentry
    (product_id, level, tier_id, price, discount_percent, currency, valid_from, valid_to,
     created_at, created_by_id)
SELECT d.product_id, 'agreement', d.tier_id, NULL, d.discount_percent, '', {START}, NULL, now(), NULL
FROM deals_producttierdiscount d;

CREATE OR REPLACE FUNCTION deals_product_price_list_start() RETURNS trigger AS $$
BEGIN
    INSERT INTO deals_pricelistentry
        (product_id, level, tier_id, price, discount_percent, currency, valid_from, valid_to,
         created_at, created_by_id)
    SELECT n.id, l.level, NULL,
           CASE l.level WHEN 'guide' THEN n.list_price ELSE n.floor_price END,
           NULL, n.currency, {START}, NULL, now(), NULL
    FROM new_products n CROSS JOIN (VALUES ('guide'), ('floor')) AS l(level);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deals_product_price_list_start
    AFTER INSERT ON deals_product REFERENCING NEW TABLE AS new_products
    FOR EACH STATEMENT EXECUTE FUNCTION deals_product_price_list_start();

CREATE OR REPLACE FUNCTION deals_price_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'price list entries are append-only'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.product_id, NEW.level, NEW.tier_id, NEW.price, NEW.discount_percent,
        NEW.currency, NEW.valid_from, NEW.created_at, NEW.created_by_id)
       IS NOT DISTINCT FROM
       (OLD.id, OLD.product_id, OLD.level, OLD.tier_id, OLD.price, OLD.discount_percent,
        OLD.currency, OLD.valid_from, OLD.created_at, OLD.created_by_id)
       AND NEW.valid_to IS NOT NULL
       AND (OLD.valid_to IS NULL OR NEW.valid_to <= OLD.valid_to) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'price list entries are append-only (a period may only be closed earlier)'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deals_price_entry_append_only
    BEFORE UPDATE OR DELETE ON deals_pricelistentry
    FOR EACH ROW EXECUTE FUNCTION deals_price_entry_guard();

CREATE OR REPLACE VIEW deals_floor_price_v AS
SELECT e.product_id AS product_id, e.price AS price, e.currency AS currency,
       NULLIF(e.valid_from, {START}) AS valid_from, e.valid_to AS valid_to
FROM deals_pricelistentry e
WHERE e.level = 'floor';
"""

BACKWARD = """
CREATE OR REPLACE VIEW deals_floor_price_v AS
SELECT p.id AS product_id, p.floor_price AS price, p.currency AS currency,
       NULL::date AS valid_from, NULL::date AS valid_to
FROM deals_product p;
DROP TRIGGER deals_price_entry_append_only ON deals_pricelistentry;
DROP FUNCTION deals_price_entry_guard();
DROP TRIGGER deals_product_price_list_start ON deals_product;
DROP FUNCTION deals_product_price_list_start();
ALTER TABLE deals_pricelistentry DISABLE TRIGGER USER;
DELETE FROM deals_pricelistentry;
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0018_price_list_entries")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
