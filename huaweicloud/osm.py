"""OSM (service tickets) lives in `huaweicloud.tickets`; the client is `huaweicloud.clients.osm_client()`."""
