; WorldCoder: the rule of `next.agent.carrying` (agent field 'carrying') from 50 examples (177 distinct rows seen, 0 conflicting rows dropped)
; helpers with no SyGuS form (they read the objects or the mission and take parameters): on_grid, in_front, occupied, kind_at, color_at, passable, blocked, mission_kind, mission_color, named
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
(synth-fun next.agent.carrying ((action Action) (agent.x Int) (agent.y Int) (agent.dir Int) (agent.carrying Kind) (has_key.red Bool) (has_key.green Bool) (has_key.blue Bool) (has_key.purple Bool) (has_key.yellow Bool) (has_key.grey Bool) (front_kind Kind) (front_color Color) (front_empty Bool) (front_blocked Bool) (carrying_color Color) (any_door_open.pre Bool) (standing_on.pre Kind)) Kind
  ((Start Kind) (Guard Bool) (T.Bool Bool) (T.Int Int) (T.Kind Kind) (T.Color Color) (T.Action Action))
  (
  (Start Kind (T.Kind (ite Guard Start Start)))
  (Guard Bool (T.Bool (and T.Bool Guard)))
  (T.Bool Bool (true false has_key.red has_key.green has_key.blue has_key.purple has_key.yellow has_key.grey front_empty front_blocked any_door_open.pre (pickable T.Kind) (has_key T.Color has_key.red has_key.green has_key.blue has_key.purple has_key.yellow has_key.grey) (not T.Bool) (< T.Int T.Int) (= T.Int T.Int) (= T.Kind T.Kind) (= T.Color T.Color) (= T.Action T.Action)))
  (T.Int Int (0 1 (- 1) agent.x agent.y agent.dir (dx T.Int) (dy T.Int) (front_x T.Int T.Int) (front_y T.Int T.Int) (turn_left T.Int) (turn_right T.Int) (opposite T.Int) (sign T.Int) (fx agent.x agent.dir) (fy agent.y agent.dir) (+ T.Int T.Int) (- T.Int T.Int)))
  (T.Kind Kind (Kind.none Kind.wall Kind.floor Kind.door Kind.key Kind.ball Kind.box Kind.goal Kind.lava agent.carrying front_kind standing_on.pre))
  (T.Color Color (Color.red Color.green Color.blue Color.purple Color.yellow Color.grey front_color carrying_color))
  (T.Action Action (Action.left Action.right Action.forward Action.pickup Action.drop Action.toggle Action.done action))
  )
)
(constraint (= (next.agent.carrying Action.forward 1 4 1 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.pickup 1 4 1 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 1 4 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.drop 1 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 1 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.drop 1 2 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.toggle 1 2 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 2 2 2 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 1 2 2 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 1 2 1 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.pickup 1 4 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 1 4 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 1 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 1 3 2 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 1 3 1 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 1 3 1 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 1 3 2 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 1 3 1 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 1 3 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 2 3 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 1 1 2 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 1 4 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 2 4 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.drop 2 4 2 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 3 4 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 3 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.drop 3 3 2 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 2 1 3 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 2 1 3 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 3 1 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 3 1 3 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.drop 3 1 3 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 2 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 2 3 1 Kind.none false false false false false false Kind.key Color.green false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.done 2 3 1 Kind.none false false false false false false Kind.key Color.green false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.toggle 2 3 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 3 3 0 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 4 3 0 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.left 4 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 4 3 3 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 4 1 3 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.toggle 4 1 0 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.right 4 1 0 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.forward 4 1 2 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.toggle 2 1 1 Kind.none false false false false false false Kind.none Color.red true false Color.red false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.pickup 2 3 1 Kind.none false false false false false false Kind.key Color.green false true Color.red false Kind.none) Kind.key))
(constraint (= (next.agent.carrying Action.done 2 3 1 Kind.key false true false false false false Kind.none Color.red true false Color.green false Kind.none) Kind.key))
(constraint (= (next.agent.carrying Action.toggle 2 3 1 Kind.key false true false false false false Kind.none Color.red true false Color.green false Kind.none) Kind.key))
(constraint (= (next.agent.carrying Action.drop 2 4 2 Kind.key false true false false false false Kind.none Color.red true false Color.green false Kind.none) Kind.none))
(constraint (= (next.agent.carrying Action.pickup 2 4 1 Kind.none false false false false false false Kind.wall Color.grey false true Color.red false Kind.none) Kind.none))
(check-synth)
