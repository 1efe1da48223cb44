; WorldCoder: the rule of `next.o.in_taxi` (object field 'in_taxi') from 50 examples (199 distinct rows seen, 0 conflicting rows dropped)
; helpers with no SyGuS form (they read the objects or the mission and take parameters): wall_east_at, wall_south_at
(set-logic ALL)
(declare-datatype Kind ((Kind.passenger) (Kind.destination) (Kind.landmark) (Kind.wall_east) (Kind.wall_south)))
(declare-datatype Action ((Action.south) (Action.north) (Action.east) (Action.west) (Action.pickup) (Action.dropoff)))
(define-fun dx ((d Int)) Int
  (ite (= d 0) 1 (ite (= d 2) (- 1) 0)))
(define-fun dy ((d Int)) Int
  (ite (= d 1) 1 (ite (= d 3) (- 1) 0)))
(define-fun front_x ((x Int) (d Int)) Int
  (+ x (dx d)))
(define-fun front_y ((y Int) (d Int)) Int
  (+ y (dy d)))
(define-fun turn_left ((d Int)) Int
  (mod (+ d 3) 4))
(define-fun turn_right ((d Int)) Int
  (mod (+ d 1) 4))
(define-fun opposite ((d Int)) Int
  (mod (+ d 2) 4))
(define-fun same_cell ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (and (= x1 x2) (= y1 y2)))
(define-fun manhattan ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Int
  (+ (abs (- x1 x2)) (abs (- y1 y2))))
(define-fun chebyshev ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Int
  (ite (>= (abs (- x1 x2)) (abs (- y1 y2))) (abs (- x1 x2)) (abs (- y1 y2))))
(define-fun adjacent ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (= (manhattan x1 y1 x2 y2) 1))
(define-fun near ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (<= (chebyshev x1 y1 x2 y2) 1))
(define-fun clamp ((v Int) (lo Int) (hi Int)) Int
  (ite (>= lo (ite (<= hi v) hi v)) lo (ite (<= hi v) hi v)))
(define-fun sign ((v Int)) Int
  (ite (> v 0) 1 (ite (< v 0) (- 1) 0)))
(define-fun can_move ((a Action) (can_move.south Bool) (can_move.north Bool) (can_move.east Bool) (can_move.west Bool) (can_move.pickup Bool) (can_move.dropoff Bool)) Bool
  (ite (= a Action.south) can_move.south (ite (= a Action.north) can_move.north (ite (= a Action.east) can_move.east (ite (= a Action.west) can_move.west (ite (= a Action.pickup) can_move.pickup can_move.dropoff))))))
(define-fun move_x ((a Action)) Int
  (ite (= a Action.south) 0 (ite (= a Action.north) 0 (ite (= a Action.east) 1 (ite (= a Action.west) (- 1) (ite (= a Action.pickup) 0 0))))))
(define-fun move_y ((a Action)) Int
  (ite (= a Action.south) 1 (ite (= a Action.north) (- 1) (ite (= a Action.east) 0 (ite (= a Action.west) 0 (ite (= a Action.pickup) 0 0))))))
(define-fun next_x ((action Action) (agent.x Int)) Int
  (+ agent.x (move_x action)))
(define-fun next_y ((action Action) (agent.y Int)) Int
  (+ agent.y (move_y action)))
(define-fun is_move ((a Action)) Bool
  (or (not (= (move_x a) 0)) (not (= (move_y a) 0))))
(synth-fun next.o.in_taxi ((action Action) (agent.x Int) (agent.y Int) (o.kind Kind) (o.x Int) (o.y Int) (o.in_taxi Bool) (can_move.south Bool) (can_move.north Bool) (can_move.east Bool) (can_move.west Bool) (can_move.pickup Bool) (can_move.dropoff Bool) (at_landmark Bool) (at_destination Bool) (passenger_in_taxi Bool) (at_passenger Bool) (riding.pre Bool)) Bool
  ((Start Bool) (Guard Bool) (T.Bool Bool) (T.Int Int) (T.Kind Kind) (T.Action Action))
  (
  (Start Bool (T.Bool (ite Guard Start Start)))
  (Guard Bool (T.Bool (and T.Bool Guard)))
  (T.Bool Bool (true false o.in_taxi can_move.south can_move.north can_move.east can_move.west can_move.pickup can_move.dropoff at_landmark at_destination passenger_in_taxi at_passenger riding.pre (can_move T.Action can_move.south can_move.north can_move.east can_move.west can_move.pickup can_move.dropoff) (is_move T.Action) (not T.Bool) (< T.Int T.Int) (= T.Int T.Int) (= T.Kind T.Kind) (= T.Action T.Action)))
  (T.Int Int (0 1 (- 1) agent.x agent.y o.x o.y (dx T.Int) (dy T.Int) (front_x T.Int T.Int) (front_y T.Int T.Int) (turn_left T.Int) (turn_right T.Int) (opposite T.Int) (sign T.Int) (move_x T.Action) (move_y T.Action) (next_x action agent.x) (next_y action agent.y) (+ T.Int T.Int) (- T.Int T.Int)))
  (T.Kind Kind (Kind.passenger Kind.destination Kind.landmark Kind.wall_east Kind.wall_south o.kind))
  (T.Action Action (Action.south Action.north Action.east Action.west Action.pickup Action.dropoff action))
  )
)
(constraint (= (next.o.in_taxi Action.north 0 4 Kind.landmark 0 0 false false true false false false false true true false false false) false))
(constraint (= (next.o.in_taxi Action.pickup 2 2 Kind.landmark 0 0 false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.east 2 1 Kind.wall_east 4 4 false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 3 2 Kind.wall_south 4 (- 1) false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 4 3 Kind.wall_south 1 4 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.pickup 3 3 Kind.wall_east 4 1 false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.pickup 3 4 Kind.passenger 3 4 false false true true false false false true false false true false) true))
(constraint (= (next.o.in_taxi Action.east 3 4 Kind.wall_east 2 4 false false true true false false false true false true false true) false))
(constraint (= (next.o.in_taxi Action.south 3 0 Kind.wall_south 0 4 false true false true true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.west 4 2 Kind.destination 0 4 false true true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.south 3 2 Kind.landmark 0 4 false true true true true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.pickup 4 3 Kind.wall_east 4 3 false true true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.pickup 4 3 Kind.wall_south 4 (- 1) false true true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.east 4 4 Kind.passenger (- 1) (- 1) true false true false true false false false false true false true) true))
(constraint (= (next.o.in_taxi Action.east 4 4 Kind.landmark 4 0 false false true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.east 4 3 Kind.landmark 3 4 false true true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.north 4 1 Kind.wall_south 2 4 false true true false true false false false false true false true) false))
(constraint (= (next.o.in_taxi Action.south 2 3 Kind.wall_east 0 3 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 2 4 Kind.passenger 3 4 false false true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.pickup 2 2 Kind.wall_east (- 1) 0 false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 2 Kind.wall_south 4 (- 1) false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 3 Kind.wall_south 3 (- 1) false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 2 4 Kind.landmark 0 4 false false true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.east 2 2 Kind.destination 0 0 false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 2 Kind.wall_south 2 (- 1) false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 2 3 Kind.wall_east 1 0 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 3 Kind.wall_south 4 4 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 4 Kind.wall_east (- 1) 0 false false true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 3 Kind.landmark 0 0 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 3 Kind.wall_east 4 1 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 2 3 Kind.wall_east (- 1) 0 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 2 3 Kind.wall_east (- 1) 1 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.pickup 1 4 Kind.landmark 0 0 false false true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 4 Kind.wall_south 2 (- 1) false false true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 1 2 Kind.wall_east 1 1 false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 1 2 Kind.wall_south 1 4 false true true true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 0 3 Kind.wall_east 4 2 false true true false false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.north 0 1 Kind.landmark 0 0 false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.east 0 0 Kind.wall_south 1 4 false true false true false false false true true false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 0 1 Kind.wall_east (- 1) 3 false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.east 0 1 Kind.wall_south 3 (- 1) false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 1 1 Kind.wall_east 0 4 false true true false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 1 0 Kind.landmark 4 0 false true false false true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.east 4 0 Kind.wall_south 4 (- 1) false true false false true false false true false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 3 0 Kind.wall_south 2 (- 1) false true false true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.south 2 1 Kind.wall_east 4 0 false true true true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.north 3 0 Kind.landmark 3 4 false true false true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.west 3 0 Kind.passenger 0 4 false true false true true false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 2 0 Kind.wall_south 4 (- 1) false true false true false false false false false false false false) false))
(constraint (= (next.o.in_taxi Action.dropoff 2 1 Kind.wall_east 1 1 false true true true false false false false false false false false) false))
(check-synth)
