# The sessions example (graphs/sessions) computed independently: for each click "USER TIME PAGE",
# the user's line (new when more than `gap` seconds after the user's previous click), then the
# page's line (who clicked it before). Run: awk -v gap=S -f sessions_reference.awk CLICKS
{
  fresh = !($1 in last) || $2 - last[$1] > gap; last[$1] = $2
  print "user " $1 " " $2 (fresh ? " new" : " same")
  print "page " $3 " " $2 ($3 in seen ? " after " seen[$3] : " first"); seen[$3] = $1
}
