dist_man_MANS += man/hamon.1
