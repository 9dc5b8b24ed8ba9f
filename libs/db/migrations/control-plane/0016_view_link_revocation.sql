-- View links can be revoked (hand-written): the revocation is an event
-- (shadow_report.view_link_revoked) and its projection deletes the link's row, under the
-- tenant's row-level security, so that a revoked link is looked up as one that never existed.
GRANT DELETE ON shadow_report_view_links TO thoth_app;
