"""Package data read at run time (code lists, GIAS establishment types, DfE statistics), read with
``checker.resources.data_file``. Empty for now; see checker/resources.py for how a file gets here."""
