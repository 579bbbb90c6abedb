"""The contract the mock serves: openapi.yaml read and compiled (spec.py), the fixtures it starts
from (fixtures.py, checked against fixtures.schema.yaml), and instants as the API writes them
(timestamps.py). It builds domain records from them; the files themselves stay beside the
package (mockserver/openapi.yaml, mockserver/fixtures/)."""
