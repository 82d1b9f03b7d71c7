" Veto policy files.
autocmd BufRead,BufNewFile *.veto setfiletype veto
