"""The published OpenAPI schema documents what the API really answers (DESIGN §9): error
responses of every operation, fields that may be null, and text fields that may be blank."""

import pytest

from core.api.schema import ERROR_RESPONSES

pytestmark = pytest.mark.django_db
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def api_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _allows(schema: dict, node: dict, value) -> bool:
    """Whether `value` is allowed by `node` for the kinds of schema the generator writes."""
    node = _resolve(schema, node)
    if value is None and node.get("nullable"):
        return True
    for key in ("oneOf", "anyOf"):
        if key in node:
            return any(_allows(schema, option, value) for option in node[key])
    if "allOf" in node:
        return all(_allows(schema, part, value) for part in node["allOf"])
    if "enum" in node:
        return value in node["enum"]
    if value is None:
        return False
    if value == "":
        return node.get("type") == "string" and "format" not in node
    return True


def test_every_operation_documents_its_error_responses(api_schema):
    # given every operation of the API
    operations = [
        (path, method, operation)
        for path, item in api_schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert len(operations) > 90
    # then each documents 400, 401, 403, 404 and 429 with a JSON body
    for path, method, operation in operations:
        for status in ERROR_RESPONSES:
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            assert body["$ref"].startswith("#/components/schemas/"), (path, method, status)
    assert api_schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_no_operation_has_a_format_suffix_path(api_schema):
    assert not [path for path in api_schema["paths"] if "{format}" in path]


def test_record_ids_in_paths_are_integers(api_schema):
    # A path names a record by its integer id, or one of a closed list of names (an export's list).
    ids = [
        parameter["schema"]
        for item in api_schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and "enum" not in parameter["schema"]
    ]
    assert ids and all(schema == {"type": "integer"} for schema in ids)
    export = api_schema["paths"]["/api/v1/exports/{key}/"]["get"]["parameters"]
    key = next(p["schema"] for p in export if p["name"] == "key")
    assert key["type"] == "string" and {"deals", "partners", "statements"} <= set(key["enum"])


@pytest.mark.parametrize(
    ("component", "field", "value"),
    [
        # declared fields with `default=None` over an optional relation
        ("TierProposal", "decided_by", None),
        ("Anomaly", "order_reference", None),
        ("Anomaly", "delivery_reference", None),
        ("Anomaly", "resolution", None),
        ("ReconciliationRun", "job_status", None),
        ("Me", "partner_name", None),
        # declared read-only relations over a nullable foreign key
        ("Lead", "deal", None),
        ("Lead", "accepted_partner", None),
        # read-only text that may be blank: a choice, a link
        ("Agreement", "termination_reason", ""),
        ("Module", "video_url", ""),
    ],
)
def test_fields_document_the_empty_values_they_return(api_schema, component, field, value):
    node = api_schema["components"]["schemas"][component]["properties"][field]
    assert _allows(api_schema, node, value)


def test_a_blank_choice_is_still_limited_to_its_choices(api_schema):
    node = api_schema["components"]["schemas"]["Agreement"]["properties"]["termination_reason"]
    assert _allows(api_schema, node, "breach")
    assert not _allows(api_schema, node, "anything else")
    assert not _allows(api_schema, node, None)


def test_leads_document_the_staff_and_the_partner_shape(api_schema):
    # staff read leads, partners read their company's offers of a lead
    listing = api_schema["paths"]["/api/v1/leads/"]["get"]["responses"]["200"]
    page = _resolve(api_schema, listing["content"]["application/json"]["schema"])
    item = _resolve(api_schema, page["properties"]["results"]["items"])
    shapes = {option["$ref"].rsplit("/", 1)[1] for option in item["oneOf"]}
    assert shapes == {"Lead", "LeadOffer"}
