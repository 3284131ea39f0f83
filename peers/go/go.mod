module reclaimer/peers/go

go 1.19
