"""OSM (service tickets). Operations come with the tickets issue; they use `huaweicloud.calls.call`
with `huaweicloud.clients.osm_client()` like `huaweicloud.bss` does."""
