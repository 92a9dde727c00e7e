"""Full-scale data for `bench_lists.py` (DESIGN §10), built set-based in SQL.

One vendor, 10,000 partners (200 distributors with 5 % of the partners as their dealers), 50,000
partner users, 200 staff (150 channel managers owning the partners round-robin), 1,000,000 deal
registrations with one line each (the builder of `bench_deals_conflicts.py`), and at the same
proportions: 100,000 vendor leads with 300,000 offers, 80,000 statements (eight quarters per
partner), 160,000 accruals (two programmes), 50,000 MDF requests with 20,000 claims and 100,000
ledger entries, 20,000 partner applications, 10,000 agreements, 50,000 certifications, 1,000,000
sales lines over four quarters, 200,000 orders with 20,000 reconciliation anomalies, 500,000
notifications and 2,000,000 audit rows.

Each step commits on its own and is recorded in `bench_lists_steps`, so an interrupted build
resumes where it stopped and a finished one is reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

N_DEALS = 1_000_000
STAFF_MANAGERS = 150


def _q(raw_cursor):
    """A cursor whose `%%` means `%` when no parameters are passed (like the deals builder's)."""

    class Cursor:
        @staticmethod
        def execute(sql, params=None):
            raw_cursor.execute(sql if params else sql.replace("%%", "%"), params)

        @staticmethod
        def fetchone():
            return raw_cursor.fetchone()

        @staticmethod
        def fetchall():
            return raw_cursor.fetchall()

    return Cursor


def step_deals(c) -> None:
    from bench_deals_conflicts import generate

    generate(c, N_DEALS)


def step_people(c) -> None:
    """Staff, the other 40,000 partner users, distributors and dealers, managers, tiers, classes."""
    c.execute(
        f"""
        INSERT INTO accounts_user (password, is_superuser, email, full_name, role, partner_id,
            language, phone, is_active, date_joined)
        SELECT '!', false, 'staff' || g || '@bench.invalid', 'Staff ' || g,
          CASE WHEN g <= {STAFF_MANAGERS} THEN 'channel_manager'
               WHEN g <= 160 THEN 'channel_director' WHEN g <= 180 THEN 'finance'
               WHEN g <= 185 THEN 'cfo' WHEN g <= 195 THEN 'legal' ELSE 'admin' END,
          NULL, 'en', '', true, now()
        FROM generate_series(1, 200) g
        """
    )
    c.execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, full_name, role, partner_id,
            language, phone, is_active, date_joined)
        SELECT '!', false, 'bench' || p.id || '-' || k || '@bench.invalid', 'Bench ' || k,
          (ARRAY['partner_admin','partner_finance','partner_sales','partner_sales'])[k],
          p.id, 'en', '', true, now()
        FROM partners_partner p CROSS JOIN generate_series(1, 4) k
        """
    )
    c.execute(
        f"""
        WITH managers AS (
          SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM accounts_user
          WHERE role = 'channel_manager'),
        ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM partners_partner),
        tiers AS (SELECT id, rank FROM partners_tier)
        UPDATE partners_partner p SET
          channel_manager_id = m.id,
          partner_type = CASE WHEN r.n <= 200 THEN 'distributor' ELSE p.partner_type END,
          parent_id = CASE WHEN r.n > 200 AND r.n %% 20 = 0
                           THEN (SELECT id FROM ranked WHERE ranked.n = 1 + r.n %% 200) END,
          classification = (ARRAY['A','B','B','C','C',''])[1 + r.n %% 6],
          tier_id = (SELECT id FROM tiers WHERE rank = (ARRAY[0,0,0,1,1,2,3])[1 + r.n %% 7]),
          regions = ARRAY[(ARRAY['CN-SH','CN-BJ','CN-GD','CN-ZJ','CN-JS','CN-SC'])[1 + r.n %% 6]],
          credit_limit = 100000 * (r.n %% 5)
        FROM ranked r, managers m
        WHERE r.id = p.id AND m.n = r.n %% {STAFF_MANAGERS}
        """
    )
    c.execute("ANALYZE partners_partner")
    c.execute("ANALYZE accounts_user")


def step_leads(c) -> None:
    c.execute("SELECT id FROM accounts_user WHERE role = 'channel_manager' ORDER BY id LIMIT 1")
    publisher = c.fetchone()[0]
    c.execute(
        """
        INSERT INTO deals_lead (customer_name, customer_tax_id, customer_region, industry,
            project_name, estimated_value, currency, description, status, published_at,
            exclusive_until, published_by_id, customer_address, customer_contact_email,
            customer_contact_name, customer_contact_phone)
        SELECT 'Lead customer ' || g || ' 有限公司', '', 'CN-SH', 'manufacturing', 'Lead ' || g,
          10000 + g %% 90000, 'CNY', '',
          (ARRAY['open','exclusive','withdrawn','open'])[1 + g %% 4],
          now() - make_interval(mins => g * 5),
          CASE WHEN g %% 4 = 1 THEN now() + interval '2 days' END, %s, '', '', '', ''
        FROM generate_series(1, 100000) g
        """,
        [publisher],
    )
    c.execute(
        """
        INSERT INTO deals_leadoffer (lead_id, partner_id, exclusive, offered_at, status)
        SELECT l.id, p.id, l.status = 'exclusive', l.published_at,
          CASE WHEN l.status = 'withdrawn' THEN 'declined' ELSE 'offered' END
        FROM deals_lead l
        CROSS JOIN generate_series(0, 2) k
        CROSS JOIN (SELECT min(id) AS first FROM partners_partner) f
        JOIN partners_partner p ON p.id = f.first + (l.id * 7 + k * 3331) %% 10000
        WHERE k = 0 OR l.status <> 'exclusive'
        """
    )


def step_rebates(c) -> None:
    c.execute(
        """
        INSERT INTO rebates_programme (name, period_type, mode, eligible_product_codes,
            strategic_product_codes, strategic_bonus, nps_low_below, nps_low_factor, nps_high_from,
            nps_high_factor, contract_cap, base_amount, share_rate, is_active, created_at)
        VALUES ('Bench growth', 'quarter', 'retroactive', ARRAY[]::varchar[], ARRAY[]::varchar[],
                0, 0, 1, 100, 1, 0.2, 0, 0, true, now()),
               ('Bench share', 'quarter', 'base_share', ARRAY[]::varchar[], ARRAY[]::varchar[],
                0, 0, 1, 100, 1, 0.2, 1000, 0.01, true, now())
        """
    )
    c.execute(
        """
        INSERT INTO rebates_accrual (period, amount, currency, revenue, target, attainment,
            effective_rate, trace, inputs_hash, calculated_at, partner_id, programme_id)
        SELECT q.period, (p.id %% 97) * 10, 'CNY', (p.id %% 97) * 1000, 50000,
               (p.id %% 97) / 50.0, 0.01, '{}'::jsonb, md5(p.id || q.period), now(), p.id, pr.id
        FROM partners_partner p
        CROSS JOIN rebates_programme pr
        CROSS JOIN (SELECT to_char(d, 'YYYY') || 'Q' || to_char(d, 'Q') AS period
                    FROM generate_series(date_trunc('quarter', now()) - interval '21 months',
                                         date_trunc('quarter', now()), interval '3 months') d) q
        """
    )
    c.execute(
        """
        INSERT INTO rebates_salesline (order_number, invoice_number, line_number, invoice_date,
            product_code, quantity, net_amount, currency, kind, deal_reference, source,
            created_at, partner_id)
        SELECT 'SO' || g, 'INV' || g, 1, current_date - (g %% 360), 'B-' || (1 + g %% 120),
               1 + g %% 5, 1000 + g %% 5000, 'CNY', 'sale', '', 'import', now(),
               p.id
        FROM generate_series(1, 1000000) g
        JOIN partners_partner p ON p.tax_id = 'BENCH' || lpad((1 + g %% 10000)::text, 8, '0')
        """
    )


def step_settlement(c) -> None:
    c.execute(
        """
        INSERT INTO settlement_statement (period, revision, number, currency, state, subtotal,
            carried_balance, tax_rate, tax_amount, payable, required_approvals, verification_code,
            created_at, published_at, response_due_at, deemed_confirmed, partner_id)
        SELECT q.period, 0, 'ST-' || q.period || '-' || p.id, 'CNY',
          CASE WHEN q.n = 7 THEN (ARRAY['draft','in_review','approved','published','confirmed',
                                        'disputed'])[1 + p.id %% 6]
               ELSE (ARRAY['paid','closed','confirmed'])[1 + p.id %% 3] END,
          (p.id %% 97) * 10, 0, 0.06, 0, (p.id %% 97) * 10, 1, left(md5('v' || p.id || q.period), 16),
          q.d, q.d, q.d + interval '14 days', false, p.id
        FROM partners_partner p
        CROSS JOIN (SELECT d, row_number() OVER (ORDER BY d) - 1 AS n,
                           to_char(d, 'YYYY') || 'Q' || to_char(d, 'Q') AS period
                    FROM generate_series(date_trunc('quarter', now()) - interval '21 months',
                                         date_trunc('quarter', now()), interval '3 months') d) q
        """
    )
    c.execute(
        """
        INSERT INTO settlement_order (reference, order_date, amount, currency, source, created_at,
            status, paid_amount, delivered_amount, partner_id)
        SELECT 'ORD' || g, current_date - (g %% 365), 1000 + g %% 9000, 'CNY', 'import', now(),
          (ARRAY['unmatched','partially_paid','matched','matched','overpaid'])[1 + g %% 5],
          0, 0, p.id
        FROM generate_series(1, 200000) g
        JOIN partners_partner p ON p.tax_id = 'BENCH' || lpad((1 + g %% 10000)::text, 8, '0')
        """
    )
    c.execute(
        "INSERT INTO settlement_reconciliationrun (chunks, chunks_done, created_at, finished_at, "
        "matched_by_reference, matched_by_window) VALUES (1, 1, now(), now(), 0, 0)"
    )
    c.execute(
        """
        INSERT INTO settlement_reconciliationanomaly (kind, expected_amount, actual_amount,
            currency, state, created_at, order_id, partner_id, run_id)
        SELECT 'amount_deviation', o.amount, o.amount - 1, 'CNY',
               CASE WHEN o.id %% 3 = 0 THEN 'resolved' ELSE 'open' END, now(), o.id,
               o.partner_id, (SELECT max(id) FROM settlement_reconciliationrun)
        FROM settlement_order o WHERE o.id %% 10 = 0
        """
    )


def step_funds(c) -> None:
    c.execute(
        """
        INSERT INTO funds_fundrequest (title, activity_type, description, start_date, end_date,
            total_budget, requested_amount, currency, amount_cny, expected_leads, status,
            required_roles, approver_roles, approvals_required, approved_amount, decision_note,
            submitted_at, partner_id, submitted_by_id)
        SELECT 'Activity ' || g, 'technical_salon', '', current_date - (g %% 300)::int,
               current_date - (g %% 300)::int + 2, 20000, 8000, 'CNY', 8000, 10,
               (ARRAY['submitted','approved','rejected','claimed','released'])[1 + g %% 5],
               ARRAY['channel_manager']::varchar[], ARRAY[]::varchar[], 1,
               CASE WHEN g %% 5 IN (1, 3) THEN 8000 END, '',
               now() - make_interval(hours => g), u.partner_id, u.id
        FROM generate_series(1, 50000) g
        JOIN accounts_user u ON u.email = 'bench' || (
          SELECT id FROM partners_partner
          WHERE tax_id = 'BENCH' || lpad((1 + g %% 10000)::text, 8, '0')) || '-1@bench.invalid'
        """
    )
    c.execute(
        """
        INSERT INTO funds_claim (actual_spend, leads_generated, note, status, reimbursement_amount,
            settlement_state, submitted_at, submitted_by_id, fund_request_id)
        SELECT 7000, 5, '', (ARRAY['submitted','validated','rejected'])[1 + r.id %% 3],
               CASE WHEN r.id %% 3 = 1 THEN 7000 END, '', r.submitted_at + interval '30 days',
               r.submitted_by_id, r.id
        FROM funds_fundrequest r WHERE r.status IN ('claimed', 'approved') AND r.id %% 2 = 0
        """
    )
    c.execute(
        """
        INSERT INTO funds_mdfledgerentry (kind, amount, currency, quarter, reason, created_at,
            partner_id)
        SELECT CASE WHEN k <= 8 THEN 'accrual' ELSE 'discretionary' END, 5000, 'CNY',
               to_char(d, 'YYYY') || 'Q' || to_char(d, 'Q'),
               CASE WHEN k <= 8 THEN '' ELSE 'Bench' END, d, p.id
        FROM partners_partner p CROSS JOIN generate_series(1, 10) k
        CROSS JOIN LATERAL (SELECT date_trunc('quarter', now())
                                   - make_interval(months => 3 * (least(k, 8) - 1)) AS d) q
        """
    )


def step_partners(c) -> None:
    c.execute(
        """
        INSERT INTO partners_partnerapplication (legal_name, tax_id, country, regions,
            partner_type, business_scope, contact_name, contact_email, contact_phone,
            revenue_band, technical_staff, business_licence, status, rejection_reason,
            site_visit_report, submitted_at, updated_at)
        SELECT 'Applicant ' || g, 'APP' || g, 'CN', ARRAY['CN-SH'], 'reseller', '', 'Contact',
               'app' || g || '@bench.invalid', '', '1m-5m', 3, '',
               (ARRAY['submitted','screening','assessment','negotiation','signing','rejected'])
                 [1 + g %% 6], CASE WHEN g %% 6 = 5 THEN 'Bench' ELSE '' END, '',
               now() - make_interval(hours => g), now()
        FROM generate_series(1, 20000) g
        """
    )
    c.execute(
        """
        INSERT INTO partners_agreement (number, version, title, terms, start_date, end_date,
            status, signed_document, signed_on, termination_reason, termination_note, created_at,
            updated_at, partner_id)
        SELECT 'AG-' || p.id, 1, 'Partner agreement', '', current_date - 300,
               current_date + (p.id %% 400)::int, 'active', 'bench.pdf', current_date - 300, '', '',
               now(), now(), p.id
        FROM partners_partner p
        """
    )
    c.execute(
        """
        INSERT INTO training_course (title, track, level, description, is_published, created_at)
        SELECT 'Course ' || g, (ARRAY['sales','presales','technical'])[1 + g %% 3],
               (ARRAY['junior','mid','senior'])[1 + g %% 3], '', true, now()
        FROM generate_series(1, 12) g
        """
    )
    c.execute(
        """
        INSERT INTO training_certification (track, level, code, issued_on, expires_on, partner_id,
            user_id, course_id)
        SELECT co.track, co.level, 'CERT-' || u.id, current_date - (u.id %% 700)::int,
               current_date - (u.id %% 700)::int + 730, u.partner_id, u.id, co.id
        FROM accounts_user u
        JOIN training_course co ON co.title = 'Course ' || (1 + u.id %% 12)
        WHERE u.partner_id IS NOT NULL
        """
    )


def step_audit(c) -> None:
    c.execute("SELECT id FROM django_content_type WHERE app_label = 'deals' AND model = 'deal'")
    ct = c.fetchone()[0]
    c.execute(
        """
        INSERT INTO core_auditevent (created_at, actor_repr, action, object_id, object_repr,
            changes, note, actor_id, content_type_id, partner_id)
        SELECT now() - make_interval(secs => g * 15), 'bench@bench.invalid',
               (ARRAY['deal.submit','deal.approve','deal.update'])[1 + g %% 3],
               d.id::text, 'Deal ' || d.id, '{"status": ["submitted", "approved"]}'::jsonb, '',
               d.registered_by_id, %s, d.partner_id
        FROM generate_series(1, 2000000) g
        JOIN deals_deal d ON d.id = (SELECT min(id) FROM deals_deal) + (g %% 1000000)
        """,
        [ct],
    )
    c.execute(
        """
        INSERT INTO core_notification (kind, title, body, url, created_at, read_at, recipient_id,
            title_key, body_key, params, by_email)
        SELECT 'deal_decided', 'Deal decided', '', '/deals/', now() - make_interval(mins => g),
               CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END, u.id, '', '', '{}'::jsonb, false
        FROM generate_series(1, 500000) g
        JOIN accounts_user u ON u.id = (SELECT min(id) FROM accounts_user) + (g %% 50200)
        """
    )


def step_coverage(_c) -> None:
    """Each partner's certified staff counted, as the beat keeps them (every ten minutes)."""
    from training.services import partner_coverage_refresh

    partner_coverage_refresh()


STEPS: list[tuple[str, Callable]] = [
    ("deals", step_deals),
    ("people", step_people),
    ("leads", step_leads),
    ("rebates", step_rebates),
    ("settlement", step_settlement),
    ("funds", step_funds),
    ("partners", step_partners),
    ("audit", step_audit),
    ("coverage", step_coverage),
]


def build(*, rebuild: bool = False) -> None:
    """Run the steps not yet recorded (all of them with `rebuild`), each in its own transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_lists_steps (name text PRIMARY KEY)")
        if rebuild:
            cursor.execute("DELETE FROM bench_lists_steps")
        cursor.execute("SELECT name FROM bench_lists_steps")
        done = {row[0] for row in cursor.fetchall()}
    built = False
    for name, func in STEPS:
        if name in done:
            continue
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as raw:
            func(raw if name == "deals" else _q(raw))
            raw.execute("INSERT INTO bench_lists_steps VALUES (%s)", [name])
        built = True
        print(f"built {name:<12} {time.perf_counter() - started:8.1f} s", flush=True)
    if built:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"vacuum analyze   {time.perf_counter() - started:8.1f} s", flush=True)
