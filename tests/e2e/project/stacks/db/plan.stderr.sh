echo "admin is $TF_VAR_db_admin"
