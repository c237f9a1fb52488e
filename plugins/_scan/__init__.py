"""input_scan's parts beside the plugin module: what a request gives to scan (``texts``), how
it is scanned (``running``, ``memo``) and what the findings do (``verdict``)."""
