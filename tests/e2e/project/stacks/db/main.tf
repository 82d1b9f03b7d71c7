# fake root module
