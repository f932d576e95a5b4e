EXTRA_DIST += etc/hamon.conf
