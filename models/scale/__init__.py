"""Scale-out on Dask: the client's lifecycle, customer buckets, and CLTV on a cluster."""
