; WorldCoder: the rule of `next.o.carried` (object field 'carried') from 50 examples (197 distinct rows seen, 0 conflicting rows dropped)
; helpers with no SyGuS form (they read the objects or the mission and take parameters): occupied, kind_at, color_at, blocked, mission_kind, mission_color, named
(set-logic ALL)
(declare-datatype Kind ((Kind.none) (Kind.wall) (Kind.floor) (Kind.door) (Kind.key) (Kind.ball) (Kind.box) (Kind.goal) (Kind.lava)))
(declare-datatype Color ((Color.red) (Color.green) (Color.blue) (Color.purple) (Color.yellow) (Color.grey)))
(declare-datatype Action ((Action.left) (Action.right) (Action.forward) (Action.pickup) (Action.drop) (Action.toggle) (Action.done)))
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
(define-fun fx ((agent.x Int) (agent.dir Int)) Int
  (front_x agent.x agent.dir))
(define-fun fy ((agent.y Int) (agent.dir Int)) Int
  (front_y agent.y agent.dir))
(define-fun pickable ((k Kind)) Bool
  (or (or (= k Kind.key) (= k Kind.ball)) (= k Kind.box)))
(define-fun has_key ((c Color) (has_key.red Bool) (has_key.green Bool) (has_key.blue Bool) (has_key.purple Bool) (has_key.yellow Bool) (has_key.grey Bool)) Bool
  (ite (= c Color.red) has_key.red (ite (= c Color.green) has_key.green (ite (= c Color.blue) has_key.blue (ite (= c Color.purple) has_key.purple (ite (= c Color.yellow) has_key.yellow has_key.grey))))))
(synth-fun next.o.carried ((action Action) (agent.x Int) (agent.y Int) (agent.dir Int) (agent.carrying Kind) (o.kind Kind) (o.color Color) (o.x Int) (o.y Int) (o.open Bool) (o.locked Bool) (o.carried Bool) (has_key.red Bool) (has_key.green Bool) (has_key.blue Bool) (has_key.purple Bool) (has_key.yellow Bool) (has_key.grey Bool) (on_grid.o Bool) (in_front.o Bool) (passable.o Bool) (front_kind Kind) (front_color Color) (front_empty Bool) (front_blocked Bool) (carrying_color Color) (any_door_open.pre Bool) (standing_on.pre Kind)) Bool
  ((Start Bool) (Guard Bool) (T.Bool Bool) (T.Int Int) (T.Kind Kind) (T.Color Color) (T.Action Action))
  (
  (Start Bool (T.Bool (ite Guard Start Start)))
  (Guard Bool (T.Bool (and T.Bool Guard)))
  (T.Bool Bool (true false o.open o.locked o.carried has_key.red has_key.green has_key.blue has_key.purple has_key.yellow has_key.grey on_grid.o in_front.o passable.o front_empty front_blocked any_door_open.pre (pickable T.Kind) (has_key T.Color has_key.red has_key.green has_key.blue has_key.purple has_key.yellow has_key.grey) (not T.Bool) (< T.Int T.Int) (= T.Int T.Int) (= T.Kind T.Kind) (= T.Color T.Color) (= T.Action T.Action)))
  (T.Int Int (0 1 (- 1) agent.x agent.y agent.dir o.x o.y (dx T.Int) (dy T.Int) (front_x T.Int T.Int) (front_y T.Int T.Int) (turn_left T.Int) (turn_right T.Int) (opposite T.Int) (sign T.Int) (fx agent.x agent.dir) (fy agent.y agent.dir) (+ T.Int T.Int) (- T.Int T.Int)))
  (T.Kind Kind (Kind.none Kind.wall Kind.floor Kind.door Kind.key Kind.ball Kind.box Kind.goal Kind.lava agent.carrying o.kind front_kind standing_on.pre))
  (T.Color Color (Color.red Color.green Color.blue Color.purple Color.yellow Color.grey o.color front_color carrying_color))
  (T.Action Action (Action.left Action.right Action.forward Action.pickup Action.drop Action.toggle Action.done action))
  )
)
(constraint (= (next.o.carried Action.done 1 3 2 Kind.none Kind.wall Color.grey 4 3 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.pickup 1 3 2 Kind.none Kind.wall Color.grey 2 4 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 3 1 Kind.none Kind.wall Color.grey 2 4 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 3 1 Kind.none Kind.key Color.yellow 1 2 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 3 3 Kind.none Kind.wall Color.grey 4 2 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 3 3 Kind.none Kind.wall Color.grey 4 2 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 3 3 Kind.none Kind.wall Color.grey 0 2 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 3 0 Kind.none Kind.wall Color.grey 2 3 false false false false false false false false false true true false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.toggle 1 3 3 Kind.none Kind.wall Color.grey 4 4 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 3 2 Kind.none Kind.goal Color.green 3 3 false false false false false false false false false true false true Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 3 1 Kind.none Kind.wall Color.grey 4 3 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 3 2 Kind.none Kind.wall Color.grey 2 2 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.pickup 1 3 3 Kind.none Kind.key Color.yellow 1 2 false false false false false false false false false true true false Kind.key Color.yellow false true Color.red false Kind.none) true))
(constraint (= (next.o.carried Action.toggle 1 3 3 Kind.key Kind.wall Color.grey 4 4 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.toggle 1 2 3 Kind.key Kind.wall Color.grey 4 1 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 2 3 Kind.key Kind.key Color.yellow (- 1) (- 1) false false true false false false false true false false false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 2 1 Kind.none Kind.wall Color.grey 4 0 false false false false false false false false false true false false Kind.none Color.red true false Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 2 1 Kind.none Kind.wall Color.grey 0 1 false false false false false false false false false true false false Kind.none Color.red true false Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 2 2 Kind.none Kind.wall Color.grey 4 1 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 2 1 Kind.none Kind.wall Color.grey 0 0 false false false false false false false false false true false false Kind.none Color.red true false Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.pickup 1 2 0 Kind.none Kind.wall Color.grey 0 0 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 2 3 Kind.none Kind.wall Color.grey 0 2 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 2 3 Kind.none Kind.wall Color.grey 1 4 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 2 3 Kind.none Kind.wall Color.grey 2 4 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 2 2 Kind.none Kind.wall Color.grey 2 0 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.pickup 1 2 1 Kind.none Kind.key Color.yellow 1 3 false false false false false false false false false true true false Kind.key Color.yellow false true Color.red false Kind.none) true))
(constraint (= (next.o.carried Action.left 1 3 1 Kind.key Kind.wall Color.grey 4 0 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 3 3 Kind.key Kind.wall Color.grey 4 3 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 3 2 Kind.key Kind.door Color.yellow 2 2 false true false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 3 2 Kind.key Kind.wall Color.grey 2 0 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 3 2 Kind.key Kind.wall Color.grey 2 0 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 3 3 Kind.key Kind.wall Color.grey 4 4 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 3 0 Kind.key Kind.wall Color.grey 0 3 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 2 3 Kind.none Kind.wall Color.grey 2 0 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 2 3 Kind.none Kind.wall Color.grey 4 0 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 2 3 Kind.none Kind.wall Color.grey 0 2 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 2 3 Kind.none Kind.key Color.yellow 1 1 false false false false false false false false false true true false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 2 0 Kind.none Kind.wall Color.grey 2 4 false false false false false false false false false true false false Kind.door Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 2 0 Kind.none Kind.wall Color.grey 1 4 false false false false false false false false false true false false Kind.door Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.toggle 1 2 3 Kind.none Kind.wall Color.grey 1 4 false false false false false false false false false true false false Kind.key Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 1 3 Kind.none Kind.wall Color.grey 4 0 false false false false false false false false false true false false Kind.wall Color.grey false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 1 0 Kind.none Kind.wall Color.grey 4 4 false false false false false false false false false true false false Kind.door Color.yellow false true Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 1 1 Kind.none Kind.wall Color.grey 0 2 false false false false false false false false false true false false Kind.none Color.red true false Color.red false Kind.none) false))
(constraint (= (next.o.carried Action.drop 1 2 1 Kind.key Kind.key Color.yellow (- 1) (- 1) false false true false false false false true false false false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.pickup 1 2 3 Kind.key Kind.wall Color.grey 3 0 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.done 1 2 2 Kind.key Kind.wall Color.grey 0 0 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.right 1 2 1 Kind.key Kind.wall Color.grey 3 0 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 1 3 Kind.key Kind.wall Color.grey 2 0 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.left 1 1 3 Kind.key Kind.wall Color.grey 0 1 false false false false false false false true false true false false Kind.wall Color.grey false true Color.yellow false Kind.none) false))
(constraint (= (next.o.carried Action.forward 1 1 1 Kind.key Kind.wall Color.grey 4 2 false false false false false false false true false true false false Kind.none Color.red true false Color.yellow false Kind.none) false))
(check-synth)
